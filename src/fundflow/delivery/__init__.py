"""E-mail delivery of the weekly report: compose (pure), send (SMTP with retries), ledger
(exactly once per week and recipient, in the store)."""

from fundflow.delivery.compose import Composed, Recipients, ReportBundle, compose, load_report
from fundflow.delivery.ledger import Ledger, LedgerEntry
from fundflow.delivery.send import DeliveryResult, SmtpFailure, deliver, smtp_send

__all__ = ["Composed", "Recipients", "ReportBundle", "compose", "load_report", "Ledger",
           "LedgerEntry", "DeliveryResult", "SmtpFailure", "deliver", "smtp_send"]
