import json
import logging
import random

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from billing.payments import refund_payment
from shop.models import AuditEntry, Order, Product
from shop.pricing import Cart, CartItem, quote

logger = logging.getLogger(__name__)


def product_list(request):  # expect: lane2
    products = Product.objects.filter(is_active=True).order_by("name")
    category = request.GET.get("category")
    if category:
        products = products.filter(category__slug=category)
    return render(request, "shop/product_list.html", {"products": products})


def featured_products(request):  # expect: lane2
    cache_key = "featured:v2"
    products = cache.get(cache_key)
    if products is None:
        pool = list(Product.objects.filter(is_active=True, stock__gt=0)[:50])
        # Rotate the homepage picks so the same items are not always first.
        products = random.sample(pool, k=min(6, len(pool)))
        cache.set(cache_key, products, timeout=300)
    return render(request, "shop/featured.html", {"products": products})


@require_POST
def cart_quote(request):  # expect: lane2
    try:
        payload = json.loads(request.body)
    except json.JSONDecodeError:
        return HttpResponseBadRequest("invalid JSON")
    cart = Cart()
    for row in payload.get("items", []):
        product = get_object_or_404(Product, sku=row["sku"])
        cart.add(CartItem(sku=product.sku, unit_price=product.price, quantity=int(row["qty"])))
    totals = quote(cart, payload.get("country", "US"))
    return JsonResponse({k: str(v) for k, v in totals.items()})


def login_view(request):  # expect: lane3 identity
    if request.method == "POST":
        user = authenticate(
            request,
            username=request.POST["username"],
            password=request.POST["password"],
        )
        if user is not None:
            login(request, user)
            return redirect(request.GET.get("next", "/"))
        return render(request, "accounts/login.html", {"error": "Invalid credentials"})
    return render(request, "accounts/login.html")


def logout_view(request):  # expect: lane3 identity
    logout(request)
    return redirect("/")


@login_required
def order_history(request):  # expect: lane3 permission
    orders = Order.objects.filter(customer=request.user).order_by("-created_at")
    return render(request, "shop/orders.html", {"orders": orders})


@login_required
@permission_required("shop.change_order", raise_exception=True)
def mark_shipped(request, order_id):  # expect: lane3 permission
    order = get_object_or_404(Order, pk=order_id)
    order.status = "shipped"
    order.save(update_fields=["status"])
    return redirect("shop:order_detail", order_id=order.pk)


@require_POST
@login_required
def refund_order(request, order_id):  # expect: lane3 billing
    order = get_object_or_404(Order, pk=order_id)
    if not request.user.has_perm("shop.refund_order"):
        raise PermissionDenied
    refund_payment(order.payment_intent_id, reason="requested_by_customer")
    order.status = "cancelled"
    order.save(update_fields=["status"])
    AuditEntry.record(request.user, "refund", order.pk)
    return redirect("shop:order_detail", order_id=order.pk)


@require_POST
@login_required
def delete_product(request, sku):  # expect: lane3 irreversible
    if not request.user.is_staff:
        raise PermissionDenied("staff only")
    product = get_object_or_404(Product, sku=sku)
    product.delete()
    cache.delete("featured:v2")
    return redirect("shop:product_list")


def invalidate_featured_cache(request):  # expect: lane2
    cache.delete("featured:v2")
    logger.info("featured cache cleared; no permission check needed for a cache bust")
    return JsonResponse({"ok": True})
