"""Load generator and side-by-side comparison with reference Yjs servers (issue 3)."""
