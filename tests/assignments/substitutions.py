"""The one way a wrong variant is made from a reference file: exact, checked substitutions."""

from __future__ import annotations

from typing import Protocol

__all__ = ["apply"]


class _Variant(Protocol):
    id: str
    file: str
    substitutions: tuple[tuple[str, str], ...]


def apply(variant: _Variant, text: str) -> str:
    """The reference file's ``text`` with the variant's substitutions applied.

    Each ``old`` must occur exactly once, so a reference that moves on cannot leave a variant
    silently unchanged (a variant that changes nothing would "prove" nothing).
    """
    for old, new in variant.substitutions:
        count = text.count(old)
        if count != 1:
            raise ValueError(f"variant {variant.id}: {old!r} occurs {count} times in {variant.file}, expected once; "
                             "update the variant to the reference")
        text = text.replace(old, new)
    return text
