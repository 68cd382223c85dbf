"""Shapes of client requests and their approval."""
