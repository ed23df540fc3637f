"""The list of operations the emulator serves, per service, from its handler tables (docs/local-stack.md embeds it)."""
from __future__ import annotations

from .app import SERVICES
from .core import load_package

BEGIN = "<!-- served-operations:begin (generated: python -m telehealth_local.emulator.served) -->"
END = "<!-- served-operations:end -->"


def served_operations() -> dict[str, list[str]]:
    """Service name -> the operations its package implements, sorted."""
    served = {}
    for service in SERVICES:
        package = load_package(service.name, service.package)
        served[service.name] = sorted(package.operations) if package else []
    return served


def markdown() -> str:
    lines = [BEGIN, "| service | operations served (any other operation answers 501) |", "|---|---|"]
    for service, operations in served_operations().items():
        lines.append(f"| `{service}` | {', '.join(operations) or '–'} |")
    lines.append(END)
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """`text` (docs/local-stack.md) with its generated section replaced by the current list."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + markdown() + text[end:]


if __name__ == "__main__":
    import sys
    from pathlib import Path

    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/local-stack.md")
    path.write_text(rewrite(path.read_text()))
