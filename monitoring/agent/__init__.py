"""The host agent: collects node_exporter-named metrics with psutil, serves them on its own
``/metrics``, and pushes batches to the control panel, spooling to disk while it is away."""
