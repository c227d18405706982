"""The completion scripts `--install-completion` writes and `--show-completion` prints for bash,
zsh and fish: they complete commands, options and ids in the shell, with one small awk program,
and start llmcourse only for what they cannot know (an option's value, a file) or when the id
list is missing.

Starting Python and Typer costs a third of a second per Tab, a second on a busy machine; the awk
program reads the words typed, a table of the commands and options made from the app when the
script is made, and the id list llmcourse keeps in its cache folder (`idlist`). Nothing it
reads is ever evaluated: the words and the list's lines are only compared and printed, and the
shells take its output as data (`mapfile`, `${(f)...}`, a fish list).

The awk program prints a first line `MODE<tab>LIST<tab>COURSE FILE`, then one candidate a line,
a tab and its description after it. MODE is `words` (commands or options), `ids` and `roadmap`
(matched on LIST), `missing` (LIST cannot be read: ask llmcourse, which writes it) or
`program` (ask llmcourse; files when it offers nothing).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

from typer import _click as click  # Typer's own click, as cli.py uses it
from typer.core import TyperArgument, TyperGroup, TyperOption

from llmcourse.commands.options import complete_id, complete_roadmap
from llmcourse.idlist import BUNDLED_LIST, HEADER

# Where platformdirs puts the cache folder, in awk: the script looks there unless
# LLMCOURSE_CACHE_DIR says otherwise (`catalog.cache_dir`).
_LINUX_CACHE = (
    'x = ENVIRON["XDG_CACHE_HOME"]; gsub(/^[ ]+|[ ]+$/, "", x);'
    ' base = (x != "" ? x : ENVIRON["HOME"] "/.cache") "/llmcourse"'
)
_MAC_CACHE = 'base = ENVIRON["HOME"] "/Library/Caches/llmcourse"'

# No single quote and no backslash pair in here: the program goes into the scripts in single
# quotes, and fish reads `\\` and `\'` inside those.
MATCH = """
function quoted(s,   q, dq) {
    # For sh, in single quotes, each of its own as '"'"': written by character code, since the
    # program itself is inside single quotes (and fish reads backslashes there).
    q = sprintf("%c", 39); dq = sprintf("%c", 34)
    gsub(q, q dq q dq q, s)
    return q s q
}
function out(value, help) {
    if (!(value in seen)) { seen[value] = 1; print value "\\t" help }
}
function words(list, prefix, scope,   n, i, parts) {
    n = split(list, parts, " ")
    for (i = 1; i <= n; i++)
        if (index(parts[i], prefix) == 1) out(parts[i], about[scope SUBSEP parts[i]])
}
BEGIN {
@SPEC@
    n = ARGC - 1; cur = ARGV[n]; command = ""; pos = 0; pending = ""; dashes = 0
    roadmaps = ENVIRON["LLMCOURSE_ROADMAPS"]; grab = 0
    for (i = 2; i < n; i++) {
        w = ARGV[i]
        if (pending != "") { if (grab) roadmaps = w; pending = ""; grab = 0; continue }
        if (w == "--" && command != "") { dashes = 1; continue }
        if (substr(w, 1, 1) == "-" && !dashes) {
            name = w; eq = index(w, "=")
            if (eq) name = substr(w, 1, eq - 1)
            if ((command SUBSEP name) in takes) {
                if (command == "" && name == "--roadmaps" && eq) roadmaps = substr(w, eq + 1)
                if (!eq) {
                    pending = takes[command SUBSEP name]
                    grab = (command == "" && name == "--roadmaps")
                }
            }
            continue
        }
        if (command == "") command = w; else pos++
    }
    kind = "value"
    if (pending != "") kind = pending
    else if (substr(cur, 1, 1) == "-" && !dashes) {
        if (index(cur, "=")) kind = "value"
        else { print "words"; words(options[command], cur, command); exit }
    } else if (command == "") { print "words"; words(commands, cur, ""); exit }
    else if (command in arguments) {
        k = split(arguments[command], kinds, " ")
        if (pos < k) kind = kinds[pos + 1]
        else if (k && kinds[k] ~ /[*]$/) kind = kinds[k]
        sub(/[*]$/, "", kind)
    }
    if (kind != "id" && kind != "roadmap") { print "program"; exit }

    base = ENVIRON["LLMCOURSE_CACHE_DIR"]
    if (base == "") { @CACHE@ }
    else if (substr(base, 1, 2) == "~/") base = ENVIRON["HOME"] substr(base, 2)
    course = ""; list = base "/@BUNDLED@"
    if (roadmaps != "") {
        path = roadmaps
        if (substr(path, 1, 2) == "~/") path = ENVIRON["HOME"] substr(path, 2)
        gsub("/+", "/", path)
        while (gsub("/[.]/", "/", path)) {}
        while (substr(path, 1, 2) == "./" && length(path) > 2) path = substr(path, 3)
        if (length(path) > 1) sub("/$", "", path)
        if (substr(path, 1, 1) != "/") path = ENVIRON["PWD"] "/" path
        course = path; name = path
        gsub("%", "%25", name); gsub("/", "%2F", name)
        list = base "/ids-file-" name ".tsv"
    }
    # Read through `cat` only when the list is a regular file: a named pipe or a device in
    # its place would leave every Tab waiting.
    reader = "test -f " quoted(list) " && test ! -p " quoted(list) " && cat " quoted(list)
    if ((reader | getline line) <= 0 || line != "@HEADER@") {
        print "missing\\t" list "\\t" course
        exit
    }
    print (kind == "id" ? "ids" : kind) "\\t" list "\\t" course
    typed = tolower(cur); depth = gsub("/", "/", typed)
    FS = "\\t"
    while ((reader | getline line) > 0) {
        split(line, f, "\\t")
        if (kind == "roadmap") {
            if (f[2] == "roadmap" && index(f[1], typed) == 1) out(f[1], f[5])
            continue
        }
        if (typed == "") { if (f[2] != "roadmap") continue }
        else {
            if (index(f[1], typed) != 1) continue
            form = f[1]
            if (gsub("/", "/", form) != depth) continue
        }
        out(f[4] (f[3] == "1" ? "/" : ""), f[5])
    }
    exit
}
"""

BASH = r"""
_@FUNC@_ids() {
    awk '@MATCH@' "$@" 2>/dev/null
}

_@FUNC@() {
    local line=${COMP_LINE:0:COMP_POINT} mode list course item asked
    local -a words reply
    read -ra words <<< "$line"
    [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    mapfile -t reply < <(_@FUNC@_ids "${words[@]}")
    IFS=$'\t' read -r mode list course <<< "${reply[0]}"
    if [[ ($mode == ids || $mode == roadmap) && -n $course && $course -nt $list ]]; then
        mode=missing  # the roadmap file changed since its list was written
    fi
    if [[ $mode == missing || $mode == program ]]; then
        # llmcourse itself: for an option's value, or to (re)write the missing list
        mapfile -t asked < <(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \
            @VAR@=complete_bash "$1" 2>/dev/null)
        [[ ${#asked[@]} == 1 && -z ${asked[0]} ]] && asked=()
        if [[ $mode == missing ]]; then
            mapfile -t reply < <(_@FUNC@_ids "${words[@]}")
            IFS=$'\t' read -r mode list course <<< "${reply[0]}"
            [[ $mode == missing ]] && reply=("" "${asked[@]}")
        else
            reply=("" "${asked[@]}")
            ((${#asked[@]})) || compopt -o default  # a file name, say
        fi
    fi
    COMPREPLY=("${reply[@]:1}")
    COMPREPLY=("${COMPREPLY[@]%%$'\t'*}")
    compopt -o nosort 2>/dev/null  # topics before references: the order given
    for item in "${COMPREPLY[@]}"; do
        [[ $item == */ ]] && compopt -o nospace && break
    done
    return 0
}

complete -F _@FUNC@ @PROG@
"""

ZSH = r"""#compdef @PROG@

_@FUNC@_ids() {
    awk '@MATCH@' "$@" 2>/dev/null
}

_@FUNC@() {
    local mode list course item value help
    local -a reply asked shown
    reply=("${(@f)$(_@FUNC@_ids "${(@)words[1,CURRENT-1]}" "$PREFIX")}")
    IFS=$'\t' read -r mode list course <<< "${reply[1]}"
    if [[ ($mode == ids || $mode == roadmap) && -n $course && $course -nt $list ]]; then
        mode=missing  # the roadmap file changed since its list was written
    fi
    if [[ $mode == missing || $mode == program ]]; then
        # llmcourse itself, in its plain (bash) form: nothing it prints is evaluated
        asked=("${(@f)$(env COMP_WORDS="${(j: :)words[1,CURRENT]}" COMP_CWORD=$((CURRENT-1)) \
            @VAR@=complete_bash @PROG@ 2>/dev/null)}")
        asked=(${asked:#})
        if [[ $mode == missing ]]; then
            reply=("${(@f)$(_@FUNC@_ids "${(@)words[1,CURRENT-1]}" "$PREFIX")}")
            IFS=$'\t' read -r mode list course <<< "${reply[1]}"
            [[ $mode == missing ]] && reply=("" "${(@)asked}")
        else
            (( ${#asked} )) || { _files; return }
            reply=("" "${(@)asked}")
        fi
    fi
    for item in "${(@)reply[2,-1]}"; do
        [[ -z $item ]] && continue
        value=${item%%$'\t'*}
        help=${item#*$'\t'}
        [[ $help == $item ]] && help=""
        shown=("$value${help:+  -- $help}")
        if [[ $value == */ ]]; then
            compadd -U -V @FUNC@ -l -d shown -S '' -- "$value"
        else
            compadd -U -V @FUNC@ -l -d shown -- "$value"
        fi
    done
}

compdef _@FUNC@ @PROG@
"""

FISH = r"""
function __@FUNC@
    set -l tokens (commandline -opc) (commandline -ct)
    set -l reply (awk '@MATCH@' $tokens 2>/dev/null)
    set -l head (string split \t -- $reply[1])
    set -l mode $head[1]
    if contains -- $mode ids roadmap; and test -n "$head[3]"; and type -q path
        # the roadmap file changed since its list was written
        set -l course (path mtime -- $head[3] 2>/dev/null; or echo 0)
        if test $course -gt (path mtime -- $head[2] 2>/dev/null; or echo 0)
            set mode missing
        end
    end
    if contains -- $mode missing program
        # llmcourse itself, in its plain (bash) form: nothing it prints is evaluated
        set -l asked (env COMP_WORDS="$tokens" COMP_CWORD=(math (count $tokens) - 1) \
            @VAR@=complete_bash @PROG@ 2>/dev/null | string match -r '.+')
        if test $mode = missing
            set reply (awk '@MATCH@' $tokens 2>/dev/null)
            set head (string split \t -- $reply[1])
            test "$head[1]" = missing; and set reply '' $asked
        else if test (count $asked) -eq 0
            __fish_complete_path (commandline -ct)
            return
        else
            set reply '' $asked
        end
    end
    string join \n -- $reply[2..-1]
end

complete --command @PROG@ --no-files --keep-order --arguments '(__@FUNC@)'
"""

_TEMPLATES = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def script(command: click.Command, prog_name: str, complete_var: str, shell: str) -> str:
    """The completion script for `shell` (bash, zsh or fish) of the app whose command this is."""
    func = "".join(c for c in prog_name.replace("-", "_") if c.isalnum() or c == "_")
    match = (
        MATCH.replace("@SPEC@", _spec(command))
        .replace("@CACHE@", _MAC_CACHE if sys.platform == "darwin" else _LINUX_CACHE)
        .replace("@BUNDLED@", BUNDLED_LIST)
        .replace("@HEADER@", HEADER)
    )
    return (
        _TEMPLATES[shell]
        .replace("@MATCH@", match)
        .replace("@FUNC@", f"{func}_completion")
        .replace("@VAR@", complete_var)
        .replace("@PROG@", prog_name)
        .strip()
        + "\n"
    )


def _spec(command: click.Command) -> str:
    """The commands and options of the app, as awk assignments."""
    lines: list[str] = []
    scopes: list[tuple[str, click.Command]] = [("", command)]
    if isinstance(command, TyperGroup):
        names = [n for n, c in command.commands.items() if not c.hidden]
        lines.append(f"commands = {_quoted(' '.join(names))}")
        for name in names:
            sub = command.commands[name]
            lines.append(f"about[SUBSEP {_quoted(name)}] = {_quoted(sub.get_short_help_str())}")
            scopes.append((name, sub))
    for scope, sub in scopes:
        kinds: list[str] = []
        names = []
        for param in sub.params:
            if isinstance(param, TyperArgument):
                kinds.append(_kind(param) + ("*" if param.nargs == -1 else ""))
            elif isinstance(param, TyperOption) and not param.hidden:
                flag = param.is_flag or param.count
                for name in param.opts + param.secondary_opts:
                    names.append(name)
                    key = f"{_quoted(scope)} SUBSEP {_quoted(name)}"
                    lines.append(f"about[{key}] = {_quoted(param.help or '')}")
                    if not flag:
                        lines.append(f"takes[{key}] = {_quoted(_kind(param))}")
        lines.append(f"options[{_quoted(scope)}] = {_quoted(' '.join(names))}")
        if scope:
            lines.append(f"arguments[{_quoted(scope)}] = {_quoted(' '.join(kinds))}")
    return "\n".join("    " + line for line in lines)


def _kind(param: click.Parameter) -> str:
    """What a parameter's values are, for the script: `id`, `roadmap`, or another `value`."""
    completer = _completer(param)
    if completer is complete_id:
        return "id"
    if completer is complete_roadmap:
        return "roadmap"
    return "value"


def _completer(param: click.Parameter) -> object:
    """The `autocompletion` function of a parameter, if any (Typer keeps it only in the
    closure of its wrapper)."""
    wrapper: Callable[..., Any] | None = getattr(param, "_custom_shell_complete", None)
    if wrapper is None or wrapper.__closure__ is None:
        return None
    cells = dict(zip(wrapper.__code__.co_freevars, wrapper.__closure__, strict=True))
    cell = cells.get("autocompletion")
    # Typer hands the wrapper its own wrapper of the function (`functools.wraps`).
    return None if cell is None else inspect.unwrap(cell.cell_contents)


def _quoted(text: str) -> str:
    """An awk string of our own help text: one line, and no quote or backslash that would end
    the single-quoted program in a shell."""
    plain = " ".join(text.split()).replace("\\", "/").replace("'", "\u2019")
    return '"' + plain.replace('"', "\u201d") + '"'


def take_over_scripts() -> None:
    """Make Typer's `--install-completion` and `--show-completion` use these scripts for bash,
    zsh and fish (PowerShell keeps Typer's). Typer reads its script from one function, named in
    two of its modules."""
    from typer import _completion_shared, completion

    typers = _completion_shared.get_completion_script
    if getattr(typers, "llmcourse", False):
        return

    def get_completion_script(*, prog_name: str, complete_var: str, shell: str) -> str:
        from typer._click.globals import get_current_context

        ctx = get_current_context(silent=True)
        if ctx is None or shell not in _TEMPLATES:
            return typers(prog_name=prog_name, complete_var=complete_var, shell=shell)
        return script(ctx.find_root().command, prog_name, complete_var, shell)

    get_completion_script.llmcourse = True  # type: ignore[attr-defined]
    _completion_shared.get_completion_script = get_completion_script
    completion.get_completion_script = get_completion_script  # type: ignore[attr-defined]
