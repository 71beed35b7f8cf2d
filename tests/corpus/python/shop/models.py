import hashlib
import logging
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from shop.encryption import FieldCipher

logger = logging.getLogger(__name__)


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    def __str__(self):  # expect: lane1
        return f"{self.name} ({self.sku})"

    @property
    def in_stock(self):  # expect: lane2
        return self.is_active and self.stock > 0

    def invalidate_cache(self):  # expect: lane2
        cache.delete(f"product:{self.sku}")
        cache.delete("featured:v2")

    def reserve(self, quantity):  # expect: lane2
        if quantity > self.stock:
            raise ValueError(f"only {self.stock} units of {self.sku} left")
        self.stock -= quantity
        self.save(update_fields=["stock"])
        self.invalidate_cache()


class Order(models.Model):
    STATUS_CHOICES = [
        ("pending", "Pending"),
        ("paid", "Paid"),
        ("shipped", "Shipped"),
        ("cancelled", "Cancelled"),
    ]

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="pending")
    created_at = models.DateTimeField(default=timezone.now)
    payment_intent_id = models.CharField(max_length=64, blank=True)

    def total(self):  # expect: lane2
        return sum((line.subtotal() for line in self.lines.all()), Decimal("0.00"))

    def etag(self):  # expect: lane2
        # Cheap fingerprint for conditional GETs, not a security boundary.
        raw = f"{self.pk}:{self.status}:{self.total()}".encode()
        return hashlib.md5(raw).hexdigest()

    def purge_if_abandoned(self, max_age):  # expect: lane3 irreversible
        if self.status == "pending" and timezone.now() - self.created_at > max_age:
            logger.info("purging abandoned order %s", self.pk)
            self.delete()
            return True
        return False


class OrderLine(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    def subtotal(self):  # expect: lane2
        return self.unit_price * self.quantity


class CustomerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    date_of_birth = models.DateField(null=True, blank=True)
    tax_id_encrypted = models.BinaryField(null=True)
    phone = models.CharField(max_length=32, blank=True)
    marketing_opt_in = models.BooleanField(default=False)

    def set_tax_id(self, ssn):  # expect: lane3 compliance
        cipher = FieldCipher(settings.FIELD_ENCRYPTION_KEY)
        self.tax_id_encrypted = cipher.encrypt(ssn.replace("-", "").encode())

    def masked_tax_id(self):  # expect: lane3 compliance
        cipher = FieldCipher(settings.FIELD_ENCRYPTION_KEY)
        ssn = cipher.decrypt(self.tax_id_encrypted).decode()
        return "***-**-" + ssn[-4:]

    @property
    def display_phone(self):  # expect: lane1
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if len(digits) == 10:
            return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        return self.phone


class AuditEntry(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=128)
    at = models.DateTimeField(auto_now_add=True)

    @classmethod
    def record(cls, actor, action, target):  # expect: lane3 compliance
        return cls.objects.create(actor=actor, action=action, target=str(target))
