"""The audit log: inputs."""
