"""Calendar feeds: `.ics` URLs a person subscribes to from Google, Outlook or Apple calendars.

A feed belongs to the person who created it and shows, each time it is fetched, the bookings of its
target that this person may read through the API then (the read scopes of `db.repositories.scoping`
with the owner's current role). No feed shows money. A CREW owner sees their calls: the call's own
window, the rooms and their call role, nothing of the project's other people.
"""
