"""What travels between a desk and central: operation kinds and their JSON form (``protocol``)
and operation ids (``opids``).

Below storage, sync and central alike: the desk's storage writes operations into its outbox
in this form, the sync engine carries them, central applies them. Imports nothing of ours.
"""
