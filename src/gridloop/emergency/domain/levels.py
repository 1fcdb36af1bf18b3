"""Warning levels 1–4 (red/orange/yellow/blue): value, labels, colour and default CAP words in one table."""

from __future__ import annotations

from dataclasses import dataclass

from gridloop.kernel.errors import InvalidInput


@dataclass(frozen=True)
class LevelInfo:
    """Everything said about one warning level, in one place."""

    level: int
    colour_en: str
    colour_zh: str
    label_zh: str
    hex_colour: str
    cap_severity: str
    cap_urgency: str


# 突发事件应对法: 一级(红) is the most severe. CAP words follow mappings/warning_level_to_cap.csv (an inferred
# convention: no official GB/T 35965.1 code table was seen), which tests compare with this table.
LEVELS: dict[int, LevelInfo] = {
    1: LevelInfo(1, "red", "红色", "Ⅰ级/特别严重", "#d7191c", "Extreme", "Immediate"),
    2: LevelInfo(2, "orange", "橙色", "Ⅱ级/严重", "#fd8d3c", "Severe", "Immediate"),
    3: LevelInfo(3, "yellow", "黄色", "Ⅲ级/较重", "#ffd700", "Moderate", "Expected"),
    4: LevelInfo(4, "blue", "蓝色", "Ⅳ级/一般", "#2b83ba", "Minor", "Expected"),
}


def level_info(level: int) -> LevelInfo:
    """The row of one warning level; an unknown level fails loudly."""
    try:
        return LEVELS[level]
    except KeyError:
        raise InvalidInput(f"warning level must be 1–4 (1 = red), got {level!r}") from None


def more_severe(a: int, b: int) -> bool:
    """Whether level a is more severe than level b, where 0 means no warning."""
    return a != 0 and (b == 0 or a < b)
