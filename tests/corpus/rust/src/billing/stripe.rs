//! Thin wrapper around async-stripe used by checkout, the billing portal
//! and the marketplace payout job.

use std::collections::HashMap;

use serde::Deserialize;
use stripe::{
    CancelSubscription, Client, CreateCustomer, CreatePaymentIntent, CreateRefund,
    CreateSubscription, CreateSubscriptionItems, CreateTransfer, Currency, Customer, CustomerId,
    Invoice, InvoiceId, PaymentIntent, PaymentIntentId, PaymentIntentStatus, Refund, StripeError,
    Subscription, SubscriptionId, Transfer,
};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum BillingError {
    #[error("STRIPE_SECRET_KEY is not set")]
    MissingSecret,
    #[error("stripe request failed: {0}")]
    Stripe(String),
    #[error("amount must be positive, got {0}")]
    InvalidAmount(i64),
}

impl From<StripeError> for BillingError {
    fn from(err: StripeError) -> Self { // expect: lane2
        BillingError::Stripe(err.to_string())
    }
}

pub struct BillingService {
    client: Client,
    currency: Currency,
}

impl BillingService {
    pub fn from_env() -> Result<Self, BillingError> { // expect: lane3 security
        let secret = std::env::var("STRIPE_SECRET_KEY").map_err(|_| BillingError::MissingSecret)?;
        Ok(Self {
            client: Client::new(secret),
            currency: Currency::USD,
        })
    }

    pub async fn create_customer(&self, email: &str, name: &str) -> Result<Customer, BillingError> { // expect: lane3 billing
        let params = CreateCustomer {
            email: Some(email),
            name: Some(name),
            ..Default::default()
        };
        Ok(Customer::create(&self.client, params).await?)
    }

    pub async fn charge( // expect: lane3 billing
        &self,
        customer: &CustomerId,
        amount_cents: i64,
        order_ref: &str,
    ) -> Result<PaymentIntent, BillingError> {
        if amount_cents <= 0 {
            return Err(BillingError::InvalidAmount(amount_cents));
        }
        let mut params = CreatePaymentIntent::new(amount_cents, self.currency);
        params.customer = Some(customer.clone());
        params.confirm = Some(true);
        params.metadata = Some(HashMap::from([(
            "order_ref".to_string(),
            order_ref.to_string(),
        )]));
        let intent = PaymentIntent::create(&self.client, params).await?;
        tracing::info!(intent = %intent.id, order_ref, "payment intent created");
        Ok(intent)
    }

    pub async fn refund( // expect: lane3 billing
        &self,
        intent: &PaymentIntentId,
        amount_cents: Option<i64>,
    ) -> Result<Refund, BillingError> {
        let mut params = CreateRefund::new();
        params.payment_intent = Some(intent.clone());
        params.amount = amount_cents;
        let refund = Refund::create(&self.client, params).await?;
        tracing::info!(intent = %intent, refund = %refund.id, "refund issued");
        Ok(refund)
    }

    pub async fn subscribe( // expect: lane3 billing
        &self,
        customer: &CustomerId,
        price_id: &str,
        trial_days: Option<u32>,
    ) -> Result<Subscription, BillingError> {
        let mut params = CreateSubscription::new(customer.clone());
        params.items = Some(vec![CreateSubscriptionItems {
            price: Some(price_id.to_string()),
            ..Default::default()
        }]);
        params.trial_period_days = trial_days;
        Ok(Subscription::create(&self.client, params).await?)
    }

    pub async fn cancel_subscription(&self, id: &SubscriptionId) -> Result<Subscription, BillingError> { // expect: lane3 billing
        let params = CancelSubscription {
            invoice_now: Some(true),
            prorate: Some(true),
            ..Default::default()
        };
        Ok(Subscription::cancel(&self.client, id, params).await?)
    }

    pub async fn finalize_invoice(&self, id: &InvoiceId) -> Result<Invoice, BillingError> { // expect: lane3 billing
        Ok(Invoice::finalize(&self.client, id, Default::default()).await?)
    }

    /// Moves a seller's share of completed orders to their connected account.
    pub async fn pay_out_seller( // expect: lane3 billing
        &self,
        connected_account: &str,
        amount_cents: i64,
    ) -> Result<Transfer, BillingError> {
        if amount_cents <= 0 {
            return Err(BillingError::InvalidAmount(amount_cents));
        }
        let mut params = CreateTransfer::new(self.currency, connected_account.to_string());
        params.amount = Some(amount_cents);
        Ok(Transfer::create(&self.client, params).await?)
    }
}

/// Whether the intent has reached a state where no further customer action
/// is possible.
pub fn is_settled(status: &PaymentIntentStatus) -> bool { // expect: lane2
    matches!(
        status,
        PaymentIntentStatus::Succeeded | PaymentIntentStatus::Canceled
    )
}

#[derive(Debug, Deserialize)]
pub struct WebhookEnvelope {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: serde_json::Value,
}

/// Parses a webhook body. The caller has already checked the signature
/// header by this point.
pub fn parse_webhook(body: &str) -> Result<WebhookEnvelope, serde_json::Error> { // expect: lane2
    let envelope: WebhookEnvelope = serde_json::from_str(body)?;
    tracing::debug!(event = %envelope.id, kind = %envelope.kind, "webhook received");
    Ok(envelope)
}
