"""Resident memory of an idle `newsdesk bot` process, logged in to the loopback fake Discord.

    .venv/bin/python -m benchmarks.bot_memory [--seconds 20]

Starts the fake Discord from tests/, runs the real `newsdesk bot` process against it with an
empty data dir (the embedding model is loaded at start-up), waits, and reads the process's
VmRSS (now) and VmHWM (peak) from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from tests.support.fake_discord import FakeDiscord


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


async def main(seconds: float) -> None:
    fake = FakeDiscord()
    await fake.start()
    fake.add_guild("Newsroom")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DISCORD_"))}
        env.update(
            NEWSDESK_DATA_DIR=str(Path(tmp) / "data"),
            DISCORD_TOKEN="fake-token",
            NEWSDESK_DISCORD_API_BASE=fake.api_base,
            NEWSDESK_DISCORD_GATEWAY_URL=fake.gateway_url,
        )
        exe = str(Path(sys.executable).parent / "newsdesk")
        proc = await asyncio.create_subprocess_exec(exe, "bot", env=env, cwd=tmp)
        try:
            await asyncio.sleep(seconds)
            if proc.returncode is not None:
                raise SystemExit(f"the bot exited early with {proc.returncode}")
            st = _status(proc.pid)
            print(f"idle bot after {seconds:.0f} s: VmRSS {st['VmRSS']}, peak VmHWM {st['VmHWM']}")
        finally:
            proc.terminate()
            await proc.wait()
            await fake.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(main(ap.parse_args().seconds))
