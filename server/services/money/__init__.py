"""Money: rates, estimates, the budget guard, actuals, invoices and utilization."""
