"""End to end: the real server, the scanner agent and a simulated reader."""
