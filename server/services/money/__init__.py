"""Money: rates, estimates, the budget guard, actuals, invoices and utilization."""

# Importing the slice installs the budget guard into the allocation engine's hooks.
from server.services.money import guard as guard
