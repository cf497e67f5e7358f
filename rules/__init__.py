"""bioaudit's built-in rules, registered through the `bioaudit.rules` entry point like any
third-party rule package: the entry point names this module and the loader reads `RULES`."""
from bioaudit.rules.biometric_in_logs import BiometricInLogs
from bioaudit.rules.consent_missing import ConsentMissing
from bioaudit.rules.key_beside_ciphertext import KeyBesideCiphertext
from bioaudit.rules.minor_without_guardian_consent import MinorWithoutGuardianConsent
from bioaudit.rules.no_fallback_verification import NoFallbackVerification
from bioaudit.rules.no_retention_limit import NoRetentionLimit
from bioaudit.rules.plaintext_transmission import PlaintextTransmission
from bioaudit.rules.raw_face_image_stored import RawFaceImageStored
from bioaudit.rules.sensitive_attribute_inference import SensitiveAttributeInference
from bioaudit.rules.third_party_transfer import ThirdPartyTransfer
from bioaudit.rules.unencrypted_biometric_storage import UnencryptedBiometricStorage

RULES = [ConsentMissing, NoFallbackVerification, BiometricInLogs, UnencryptedBiometricStorage]
RULES += [
    PlaintextTransmission, ThirdPartyTransfer, SensitiveAttributeInference, NoRetentionLimit,
    RawFaceImageStored, MinorWithoutGuardianConsent, KeyBesideCiphertext,
]
