"""reportgen: sourced quarterly briefings on listed Bitcoin miners' AI/HPC pivot."""

from __future__ import annotations

__version__ = "0.1.0"
