"""Officer Console — the officers' side of the remote traffic-violation processing platform."""

__version__ = "0.1.0"
