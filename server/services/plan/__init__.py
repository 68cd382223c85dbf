"""The production plan: tasks, milestones and their risks, template tasks of bookings, media on
storage volumes and client review links."""
