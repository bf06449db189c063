"""Prompt templates, kept as files next to this module and filled strictly.

Each template is a `.txt` file using `string.Template` syntax (`$name` or `${name}`; a
literal dollar is `$$`). `render(name, **values)` raises `PromptError` when a variable the
template uses is not given, or a value is given that the template does not use, so a typo
on either side fails loudly instead of sending a half-filled prompt to the model.

The files are read with importlib.resources, so they work from a wheel as well as from a
checkout.
"""

from __future__ import annotations

from importlib import resources
from string import Template

NAMES = (
    "system",
    "answer",
    "conversation",
    "summary",
    "summary_map",
    "summary_reduce",
    "rewrite",
    "verify",
    "speakers",
    "timeline_entry",
)


class PromptError(ValueError):
    """A template is missing, malformed, or filled with the wrong variables."""


def load(name: str) -> Template:
    """The template named `name` (a file `prompts/<name>.txt`)."""
    if name not in NAMES:
        raise PromptError(f"unknown prompt {name!r}; known: {', '.join(NAMES)}")
    text = resources.files(__name__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    template = Template(text)
    if not template.is_valid():
        raise PromptError(f"prompt {name!r} has a malformed placeholder (a lone '$'?)")
    return template


def variables(name: str) -> set[str]:
    """The variables the template uses."""
    return set(load(name).get_identifiers())


def render(name: str, **values: object) -> str:
    """Fill template `name`; every variable it uses must be given, and nothing else."""
    template = load(name)
    wanted = set(template.get_identifiers())
    missing = wanted - values.keys()
    unknown = values.keys() - wanted
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(sorted(missing))}")
        if unknown:
            parts.append(f"unknown {', '.join(sorted(unknown))}")
        raise PromptError(f"prompt {name!r}: {'; '.join(parts)}")
    return template.substitute({k: str(v) for k, v in values.items()})
