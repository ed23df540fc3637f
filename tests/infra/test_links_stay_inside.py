"""Every link in the repository points inside it: README.md, docs/**/*.md and the docstrings and
comments of our Python never send a reader outside the repository or to a file that is not there."""
from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Written in pieces so this file does not match itself.
OUTSIDE = [re.compile(re.escape(".." + "/shared")), re.compile(re.escape("/" + "work/")),
           # The contract's file outside the repository; docs/api/ is the reference inside it.
           re.compile(r"(?<![\w/-])" + re.escape("API" + ".md"))]
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
TOP_FOLDERS = "docs|scripts|infra|services|shared|tests|client|clients|console|requirements"
# A repository path named in prose, e.g. docs/local-stack.md; one followed by a placeholder
# (<service>, {name}, *) is a pattern, not a path.
REPO_PATH = re.compile(rf"(?<![\w./-])((?:{TOP_FOLDERS})/[\w./-]*\w)(?![\w<{{*])")


def tracked(suffix: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z", f"*{suffix}"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in out.stdout.split("\0") if name and "node_modules/" not in name]


def markdown_files() -> list[Path]:
    return [ROOT / "README.md"] + [p for p in tracked(".md") if p.is_relative_to(ROOT / "docs")]


def python_prose(path: Path) -> list[tuple[int, str]]:
    """The comments and docstrings of one Python file, with their line numbers."""
    source = path.read_text()
    chunks = [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(source).readline)
              if tok.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                chunks.append((body[0].lineno, body[0].value.value))
    return chunks


def exists_or_built(relative: str) -> bool:
    """A path in the tree, or one the build writes (git-ignored, e.g. console/dist)."""
    if (ROOT / relative).exists():
        return True
    return any(subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0
               for name in (relative, relative + "/"))


def problems_in(path: Path, line: int, text: str, markdown: bool) -> list[str]:
    where = f"{path.relative_to(ROOT)}:{line}"
    found = [f"{where}: points outside the repository ({m.group(0)})" for pattern in OUTSIDE for m in pattern.finditer(text)]
    if markdown:
        for match in MARKDOWN_LINK.finditer(text):
            target = match.group(1).split("#", 1)[0]
            if target and not re.match(r"^[a-z]+:", target) and not (path.parent / target).exists():
                found.append(f"{where}: links to {target}, which does not exist")
    for match in REPO_PATH.finditer(text):
        named = match.group(1).rstrip(".")
        if not exists_or_built(named):
            found.append(f"{where}: names {named}, which does not exist")
    return found


def test_every_link_points_inside_the_repository() -> None:
    problems = []
    for path in markdown_files():
        for number, text in enumerate(path.read_text().splitlines(), 1):
            problems += problems_in(path, number, text, markdown=True)
    for path in tracked(".py"):
        for number, text in python_prose(path):
            problems += problems_in(path, number, text, markdown=False)
    assert not problems, "links that leave the repository or lead nowhere:\n" + "\n".join(problems)


def test_the_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = ROOT / "docs" / "example.md"  # not written: problems_in only needs the path for its name
    text = ("See [the contract](../" + "shared/API" + ".md), API" + ".md's errors, [gone](nowhere.md) and "
            "docs/nothing-here.md.")
    found = problems_in(page, 1, text, markdown=True)
    # the parent folder's shared/, the bare contract name, the two missing link targets, the missing page
    assert len(found) == 5, found
