"""The administrator's services: each change is one transaction with its audit entry.

Views in desk/web/admin parse a form and call exactly one of these; nothing
else in the admin pages writes to the database.
"""
