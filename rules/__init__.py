"""bioaudit's built-in rules, registered through the `bioaudit.rules` entry point like any
third-party rule package: the entry point names this module and the loader reads `RULES`."""
from bioaudit.rules.biometric_in_logs import BiometricInLogs
from bioaudit.rules.consent_missing import ConsentMissing
from bioaudit.rules.no_fallback_verification import NoFallbackVerification
from bioaudit.rules.unencrypted_biometric_storage import UnencryptedBiometricStorage

RULES = [ConsentMissing, NoFallbackVerification, BiometricInLogs, UnencryptedBiometricStorage]
