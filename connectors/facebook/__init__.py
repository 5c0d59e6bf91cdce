"""Facebook: Messenger (the Send API and its webhook) and public comments on a Page,
spoken over the Graph API with httpx. No Flask or database here."""
