"""``python -m monitoring.agent``: the host agent without the control panel's CLI."""

from monitoring.agent.main import main

main()
