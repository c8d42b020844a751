"""Errors of the embedded cluster, below both cluster.py and pitr.py (which cluster.py uses)."""


class ClusterError(RuntimeError):
    """The embedded cluster could not be prepared or started."""
