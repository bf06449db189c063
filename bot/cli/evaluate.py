"""`newsdesk eval`: benchmark runs through the same code path as `newsdesk ask`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.context import app_of
from bot.cli.terminal import console as _console
from bot.cli.terminal import progress_bar, run_or_exit
from retrieval.app import App
from retrieval.errors import BadInputError
from retrieval.evaluation import find_scorer, read_questions, run_questions, score

HEADLINE = ("recall@5", "mrr@10", "answer_recall@5", "answer_accuracy", "citation_precision")


def eval_command(
    ctx: typer.Context,
    corpus: Annotated[Path, typer.Option("--corpus", help="corpus.jsonl(.gz) of the benchmark")],
    questions: Annotated[Path, typer.Option("--questions", help="questions.jsonl of the benchmark")],
    out: Annotated[Path, typer.Option("--out", help="run file to write (JSONL, score.py format)")],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="index to build or reuse (default ./data/eval-NAME)")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="passages per question")] = 10,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="only the first N questions")] = None,
) -> None:
    """Ingest a benchmark corpus (reusing the index) and answer its questions as of their dates."""
    err = _console(stderr=True)

    def go() -> None:
        if not corpus.exists():
            raise BadInputError(f"no corpus file at {corpus}")
        qs = read_questions(questions, limit)
        name = corpus.parent.name or corpus.stem
        settings = app_of(ctx).settings.model_copy(
            update={"data_dir": data_dir or Path("data") / f"eval-{name}"}
        )
        with App(settings) as services:  # the benchmark's own index, beside the configured one
            engine = services.engine
            with progress_bar(err) as bar:
                task = bar.add_task("indexing corpus", total=None)
                report = engine.ingest_paths([corpus], progress=lambda n: bar.advance(task, n))
            err.print(
                f"index {settings.data_dir}: {report.articles_added} added, "
                f"{report.articles_skipped} reused, {len(report.problems)} problem(s)"
            )
            with progress_bar(err) as bar:
                task = bar.add_task("asking", total=len(qs))
                asked = run_questions(engine, qs, out, k, progress=lambda n: bar.advance(task, n))
            err.print(f"asked {asked} question(s), {len(qs) - asked} already in {out}")
        scorer = find_scorer(questions)
        if scorer is None:
            err.print("score.py not found beside the questions: run it yourself on the run file")
            return
        metrics = score(scorer, questions, out, subset=limit is not None)["metrics"]
        console = _console(soft_wrap=False)
        for key in HEADLINE:
            m = metrics.get(key)
            if m:
                value = "n/a" if m["value"] is None else f"{m['value']:.3f}"  # no gold article asked
                console.print(f"{key:20s} {value}  (n={m['n']})")

    run_or_exit(go)
