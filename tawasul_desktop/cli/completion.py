"""`tawasul completion bash|zsh`: a shell completion script made from the parser itself.

The script holds, for every command path (``request``, ``request import``, ...), its
sub-commands and options, and the values of options with fixed choices; so it is never out of
step with the program that printed it. Install it once (README, "Shell completion"):

    tawasul completion bash > /etc/bash_completion.d/tawasul
    tawasul completion zsh > "${fpath[1]}/_tawasul"
"""

from __future__ import annotations

import argparse
import functools
import shlex
from typing import Any

from tawasul_desktop.cli.output import Output


def add_parser(sub: Any, common: argparse.ArgumentParser,
               root: argparse.ArgumentParser) -> None:
    """The ``completion`` command, over ``root``: the whole parser it is part of."""
    completion = sub.add_parser(
        "completion", parents=[common], help="print a shell completion script (bash or zsh)")
    completion.add_argument("shell", choices=["bash", "zsh"], help="the shell to complete in")
    completion.set_defaults(func=functools.partial(completion_script, root))


def _tables(parser: argparse.ArgumentParser, path: str = "",
            words: dict[str, list[str]] | None = None,
            values: dict[str, list[str]] | None = None
            ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per command path: the words that may follow; per path and option: its choices."""
    words = {} if words is None else words
    values = {} if values is None else values
    here: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                here.append(name)
                _tables(child, f"{path} {name}".strip(), words, values)
        elif action.option_strings:
            here.extend(o for o in action.option_strings if o.startswith("--") or
                        len(action.option_strings) == 1)
            if action.choices:
                for option in action.option_strings:
                    values[f"{path}|{option}"] = [str(c) for c in action.choices]
        elif action.choices:  # a positional with fixed values (export csv|xlsx)
            here.extend(str(c) for c in action.choices)
    words[path] = sorted(set(here))
    return words, values


def bash_script(parser: argparse.ArgumentParser) -> str:
    words, values = _tables(parser)
    lines = ["# bash completion for tawasul (made by `tawasul completion bash`)",
             "_tawasul() {",
             "    local cur prev path word candidate",
             '    cur="${COMP_WORDS[COMP_CWORD]}"',
             '    prev="${COMP_WORDS[COMP_CWORD-1]}"',
             '    path=""',
             "    for word in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do",
             '        case "$word" in -*) continue ;; esac',
             '        candidate="${path:+$path }$word"',
             '        if [ -n "$(_tawasul_words "$candidate")" ]; then path="$candidate"; fi',
             "    done",
             '    local choices; choices="$(_tawasul_values "$path|$prev")"',
             '    if [ -n "$choices" ]; then',
             '        COMPREPLY=($(compgen -W "$choices" -- "$cur")); return',
             "    fi",
             '    COMPREPLY=($(compgen -W "$(_tawasul_words "$path")" -- "$cur"))',
             "}",
             "_tawasul_words() {",
             '    case "$1" in']
    for path, found in sorted(words.items()):
        pattern = shlex.quote(path) if path else '""'
        lines.append(f"        {pattern}) echo {shlex.quote(' '.join(found))} ;;")
    lines += ["    esac", "}", "_tawasul_values() {", '    case "$1" in']
    for key, found in sorted(values.items()):
        lines.append(f"        {shlex.quote(key)}) echo {shlex.quote(' '.join(found))} ;;")
    lines += ["    esac", "}", "complete -o default -F _tawasul tawasul", ""]
    return "\n".join(lines)


def zsh_script(parser: argparse.ArgumentParser) -> str:
    return ("#compdef tawasul\n# zsh completion for tawasul (made by `tawasul completion zsh`)"
            "\nautoload -U +X bashcompinit && bashcompinit\n" + bash_script(parser))


def completion_script(parser: argparse.ArgumentParser, args: argparse.Namespace,
                      out: Output) -> int:
    text = bash_script(parser) if args.shell == "bash" else zsh_script(parser)
    out.data({"shell": args.shell, "script": text}, text)
    return 0
