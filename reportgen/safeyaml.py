"""YAML for files other people edit: safe types only, no aliases, bounded size and depth.

``yaml.safe_load`` already refuses Python tags; on top of that, anchors/aliases are refused
(an alias "billion laughs" expands a few lines into billions of nodes for whatever walks
the result), and nesting deeper than any reportgen file needs is refused before Python's
recursion limit turns it into a traceback.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 32


class _StrictLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not accepted in reportgen inputs",
                event.start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str) -> Any:
    """Parse ``text``; raises ``yaml.YAMLError`` (with a mark) on anything refused."""
    return yaml.load(text, Loader=_StrictLoader)
