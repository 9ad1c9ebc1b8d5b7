"""The terminal side of `prep quiz`: bank Markdown rendered with rich, wrapped at words to
the terminal's width, coloured only where the terminal takes colour (rich honours
NO_COLOR, TERM=dumb and output that is not a terminal)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

TONES = {
    "plain": "",
    "score": "bold",
    "progress": "bold",
    "right": "bold green",
    "wrong": "bold red",
    "hint": "yellow",
    "label": "bold",
}


class QuizTerminal:
    """`say` and `ask` for `run_quiz`, on the real terminal (or whatever stdout is)."""

    def __init__(self) -> None:
        # markup/emoji/highlight off: bank text is shown as written, never read as rich
        # markup ("[bold]") or emoji codes (":fire:"); rich's Text also drops control codes.
        self.console = Console(highlight=False, emoji=False, markup=False)

    def say(self, text: str, tone: str | None = None) -> None:
        """Markdown when `tone` is None, else one plain line in the tone's style."""
        if tone == "progress":  # a new question: a blank line before it
            self.console.print()
        renderable = Markdown(text, hyperlinks=False) if tone is None else Text(text, style=TONES.get(tone, ""))
        with self.console.capture() as captured:
            self.console.print(renderable)
        output = captured.get()
        if not self.console.is_terminal or self.console.no_color:
            # rich pads every line to the full width; a transcript needs no trailing blanks
            output = "\n".join(line.rstrip() for line in output.split("\n"))
        self.console.file.write(output)
        self.console.file.flush()

    def ask(self, prompt: str) -> str | None:
        """One line from standard input; None when input has ended."""
        self.console.print(Text(prompt, style="bold"), end="")
        self.console.file.flush()
        line = sys.stdin.readline()
        if not sys.stdin.isatty():
            self.console.print()  # piped answers are not echoed; keep the transcript readable
        return line if line else None
