"""What the fault suite observed, shared by its tests and its terminal summary."""

from __future__ import annotations

from collections import Counter

OUTCOMES: dict[tuple[str, str], str] = {}
"""(fault name, stage name) → the outcome label the case produced."""


def markdown_table(faults: list[str], stages: list[str]) -> str:
    """The fault × flow → outcome table, with the count of cases per outcome."""
    lines = [
        "| fault | " + " | ".join(stages) + " |",
        "|---|" + "---|" * len(stages),
    ]
    for fault in faults:
        cells = [OUTCOMES.get((fault, stage), "n/a") for stage in stages]
        lines.append(f"| {fault} | " + " | ".join(cells) + " |")
    counts = Counter(OUTCOMES.values())
    lines.append("")
    lines.append(f"{len(OUTCOMES)} cases, {len(faults)} faults, {len(stages)} flow stages:")
    lines.extend(f"- {label}: {n}" for label, n in counts.most_common())
    return "\n".join(lines)
