"""Real-time collaborative ideation board for facilitated co-creation workshops."""

__version__ = "0.1.0"
