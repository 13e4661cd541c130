"""Entry point for a plain ``pulumi up`` in the repository root (``Pulumi.yaml``: main stacks/).

The stack's config (``govcloud:program`` and ``govcloud:tenancy``/``govcloud:platform``) is
written by ``govcloud`` from its database; ``pulumi config`` can set it by hand as well.
"""

from stacks.programs import main

main()
