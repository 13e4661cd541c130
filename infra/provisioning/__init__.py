"""Provisioning: department tenancy stacks run through Pulumi, rendered, and checked for drift.

``pulumi_adapter`` is the only module importing ``pulumi.automation``; ``kube_adapter`` the
only one importing the ``kubernetes`` client.  The programs themselves live in ``stacks/``.
"""
