"""Pulumi programs (department tenancy, platform services); see Pulumi.yaml."""
