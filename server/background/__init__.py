"""Process machinery beside the event bus: the live views' hubs and the sweeper's leader election.

Neither holds a domain rule: the hubs fan out what the services' reads return, and the sweeper runs
the jobs the composition root gives it.
"""
