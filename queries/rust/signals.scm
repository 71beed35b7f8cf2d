; Risk signals in Rust code. Each pattern states a fact with `@signal.<kind>`; the kind's
; rule id, category and lane live in the signal table (`lanes rules`), and `lanes.toml`
; may re-lane a kind. Helpers start with `_`.

; ---------------------------------------------------------------------------
; security

; `unsafe` code: the compiler no longer guarantees memory safety.
(unsafe_block
  "unsafe" @signal.unsafe
  (#eq? @signal.unsafe "unsafe"))

((function_modifiers) @signal.unsafe
  (#match? @signal.unsafe "unsafe"))

(impl_item
  "unsafe" @signal.unsafe
  (#eq? @signal.unsafe "unsafe"))

(trait_item
  "unsafe" @signal.unsafe
  (#eq? @signal.unsafe "unsafe"))

; Running another program.
(call_expression
  function: (scoped_identifier
    path: (_) @_path
    name: (identifier) @_fn)
  (#match? @_path "(^|::)Command$")
  (#any-of? @_fn "new")) @signal.shell

(call_expression
  function: (scoped_identifier
    path: (_) @_path
    name: (identifier) @_fn)
  (#match? @_path "(^|::)(process|unistd|nix::unistd)$")
  (#any-of? @_fn "execv" "execve" "execvp" "fork")) @signal.shell

; SQL text built with `format!` and handed to a database: injection if a value is user data.
(call_expression
  function: [
    (identifier) @_fn
    (scoped_identifier name: (identifier) @_fn)
    (field_expression field: (field_identifier) @_fn)
    (generic_function function: [
      (identifier) @_fn
      (scoped_identifier name: (identifier) @_fn)
      (field_expression field: (field_identifier) @_fn)
    ])
  ]
  arguments: (arguments
    .
    [
      (macro_invocation macro: (identifier) @_macro)
      (reference_expression value: (macro_invocation macro: (identifier) @_macro))
    ] @signal.sql)
  (#any-of? @_fn "query" "query_as" "query_scalar" "query_with" "sql_query" "execute" "execute_batch" "batch_execute" "query_one" "query_opt" "query_row" "query_map" "prepare" "prepare_cached" "simple_query" "raw_sql")
  (#eq? @_macro "format")) @signal.sql

(macro_invocation
  macro: (identifier) @_macro
  (token_tree
    .
    [
      (string_literal) @signal.sql
      (raw_string_literal) @signal.sql
    ])
  (#match? @signal.sql "(?i)^r?#*\"\\s*(select\\s[\\s\\S]*\\sfrom\\s|insert\\s+into\\s|update\\s+\\S+\\s+set\\s|delete\\s+from\\s|merge\\s+into\\s|alter\\s+table\\s|drop\\s+(table|database)\\s|create\\s+table\\s)")
  (#eq? @_macro "format"))

; Password hashing and checking.
(call_expression
  function: [
    (field_expression field: (field_identifier) @_fn)
    (scoped_identifier name: (identifier) @_fn)
    (identifier) @_fn
  ]
  (#any-of? @_fn "hash_password" "verify_password" "hash_encoded" "verify_encoded" "hash_raw" "pbkdf2_hmac" "derive_key" "hash_password_into")) @signal.password

(call_expression
  function: (scoped_identifier
    path: (identifier) @_module
    name: (identifier) @_fn)
  (#any-of? @_module "bcrypt" "argon2" "scrypt" "pbkdf2")
  (#any-of? @_fn "hash" "verify" "hash_with_result" "hash_with_salt" "scrypt" "pbkdf2" "pbkdf2_hmac")) @signal.password

([
  (identifier)
  (type_identifier)
] @signal.password
  (#any-of? @signal.password "Argon2" "Argon2id" "PasswordHasher" "PasswordHash" "PasswordVerifier" "SaltString" "Pbkdf2" "Scrypt"))

; Signed tokens: JWT and HMAC.
(scoped_identifier
  path: (identifier) @_module
  name: (identifier) @_fn
  (#any-of? @_module "jsonwebtoken" "jwt" "hmac" "jwt_simple" "biscuit")
  (#any-of? @_fn "encode" "decode" "sign" "verify" "verify_slice" "decode_header")) @signal.token

([
  (identifier)
  (type_identifier)
] @signal.token
  (#any-of? @signal.token "EncodingKey" "DecodingKey" "Hmac" "HmacSha256" "HmacSha512" "HS256" "RS256" "ES256"))

; Cryptographic primitives.
([
  (identifier)
  (type_identifier)
] @signal.crypto
  (#any-of? @signal.crypto "Aes128Gcm" "Aes256Gcm" "Aes256GcmSiv" "ChaCha20Poly1305" "XChaCha20Poly1305" "LessSafeKey" "UnboundKey" "SealingKey" "OpeningKey" "SigningKey" "VerifyingKey" "Ed25519KeyPair" "EcdsaKeyPair" "RsaKeyPair" "RsaPrivateKey" "RsaPublicKey" "Signer" "Verifier" "Cipher" "KeyInit" "Aead"))

(scoped_identifier
  path: (_) @_path
  (#match? @_path "^(ring::(aead|signature|agreement|pbkdf2|hmac)|ring|aes_gcm|chacha20poly1305|ed25519_dalek|x25519_dalek|rsa|openssl)(::|$)")) @signal.crypto

; Randomness meant to be secret.
([
  (identifier)
  (type_identifier)
] @signal.random
  (#any-of? @signal.random "OsRng" "SystemRandom" "getrandom" "ChaCha20Rng" "StdRng"))

; Secrets read from the environment.
(call_expression
  function: (scoped_identifier
    path: (_) @_path
    name: (identifier) @_fn)
  arguments: (arguments
    .
    (string_literal) @signal.secrets)
  (#match? @_path "(^|::)env$")
  (#any-of? @_fn "var" "var_os")
  (#match? @signal.secrets "(?i)(secret|passw|private_key|api_key|apikey|access_key|signing_key|_token\")"))

; ---------------------------------------------------------------------------
; permission

; A branch that refuses access: `if !allowed { return Err(StatusCode::FORBIDDEN) }`.
((if_expression
  condition: (_) @signal.permission) @_if
  (#match? @_if "FORBIDDEN|UNAUTHORIZED|Forbidden|Unauthorized|PermissionDenied|AccessDenied|NotAuthorized"))

; Credentials taken from a request: the `Authorization` header or a bearer token.
((string_literal) @signal.login
  (#match? @signal.login "^\"(?i)(authorization|bearer |x-api-key|x-auth-token)"))

; Kubernetes deletions and other remote `delete` calls.
(call_expression
  function: (field_expression
    field: (field_identifier) @_fn)
  (#any-of? @_fn "delete" "delete_collection" "delete_all")) @signal.delete_records

([
  (identifier)
  (type_identifier)
] @signal.delete_records
  (#any-of? @signal.delete_records "DeleteParams" "DeleteStatement"))

; Role comparisons: `user.role == Role::Admin`, `matches!(user.role, Role::Admin)`.
(binary_expression
  [
    (field_expression field: (field_identifier) @_field)
    (scoped_identifier path: (identifier) @_field)
  ]
  (#any-of? @_field "role" "roles" "Role" "permissions" "Permission" "scopes")) @signal.permission

(call_expression
  function: (field_expression
    value: (field_expression
      field: (field_identifier) @_field)
    field: (field_identifier) @_method)
  (#any-of? @_field "roles" "permissions" "scopes" "groups" "grants")
  (#any-of? @_method "contains" "iter" "contains_key" "get" "intersection")) @signal.permission

(macro_invocation
  macro: (identifier) @_macro
  (token_tree
    (identifier) @_role)
  (#any-of? @_role "Role" "Permission" "role")
  (#eq? @_macro "matches")) @signal.permission

; ---------------------------------------------------------------------------
; billing

; async-stripe and similar SDKs: `PaymentIntent::create(&client, params)`.
(call_expression
  function: (scoped_identifier
    path: (_) @_type
    name: (identifier) @_fn)
  (#match? @_type "(^|::)(PaymentIntent|Charge|Refund|Subscription|Invoice|InvoiceItem|Payout|Transfer|CheckoutSession|SetupIntent|PaymentMethod|Customer|Price|TransferReversal|ApplicationFee)$")
  (#any-of? @_fn "create" "update" "retrieve" "cancel" "capture" "confirm" "delete" "finalize" "pay" "void" "attach" "detach")) @signal.payments

(scoped_identifier
  path: (identifier) @_sdk
  (#any-of? @_sdk "stripe" "braintree" "adyen" "paypal")) @signal.payments

; Moving money through a payment object: `state.billing.charge(...)`.
(call_expression
  function: (field_expression
    field: (field_identifier) @_fn)
  (#any-of? @_fn "charge" "refund" "payout" "capture_payment" "create_charge" "create_refund" "issue_refund" "charge_card" "charge_customer" "transfer_funds" "send_payout")) @signal.money

; ---------------------------------------------------------------------------
; irreversible

; Deleting files and directories.
(call_expression
  function: (scoped_identifier
    path: (_) @_path
    name: (identifier) @_fn)
  (#match? @_path "(^|::)fs$")
  (#any-of? @_fn "remove_dir_all" "remove_file" "remove_dir")) @signal.delete_files

(call_expression
  function: (identifier) @_fn
  (#any-of? @_fn "remove_dir_all" "remove_file" "remove_dir")) @signal.delete_files

(call_expression
  function: (field_expression
    field: (field_identifier) @_fn)
  (#any-of? @_fn "delete_object" "delete_objects" "delete_bucket" "delete_blob")) @signal.delete_files

; Deleting stored records.
(call_expression
  function: (scoped_identifier
    path: (identifier) @_module
    name: (identifier) @_fn)
  (#eq? @_module "diesel")
  (#eq? @_fn "delete")) @signal.delete_records

(call_expression
  function: [
    (field_expression field: (field_identifier) @_fn)
    (scoped_identifier name: (identifier) @_fn)
  ]
  (#any-of? @_fn "delete_by_id" "delete_many" "delete_one" "hard_delete" "purge")) @signal.delete_records

; Destructive SQL.
([
  (string_literal)
  (raw_string_literal)
] @signal.destructive_sql
  (#match? @signal.destructive_sql "^r?#*\"\\s*(DELETE\\s+FROM|delete\\s+from|DROP\\s+(TABLE|DATABASE|SCHEMA|COLUMN)|drop\\s+(table|database|schema|column)|TRUNCATE\\s|truncate\\s+table|ALTER\\s+TABLE\\s+\\S+\\s+DROP|alter\\s+table\\s+\\S+\\s+drop)"))

; ---------------------------------------------------------------------------
; Lane 2: data

(call_expression
  function: (scoped_identifier
    path: (_) @_path
    name: (identifier) @_fn)
  (#match? @_path "^(serde_json|serde_yaml|toml|csv|quick_xml|ron|bincode|rmp_serde)$")
  (#any-of? @_fn "from_str" "from_slice" "from_reader" "from_value" "deserialize" "from_bytes")) @signal.parsing

; ---------------------------------------------------------------------------
; Lane 1: tests

; `#[test]`, `#[tokio::test]`, `#[rstest]` functions and `#[cfg(test)]` modules.
(attribute_item
  (attribute
    [
      (identifier) @_attr
      (scoped_identifier name: (identifier) @_attr)
    ])
  (#any-of? @_attr "test" "rstest" "quickcheck" "proptest" "test_case" "bench")) @signal.test

(attribute_item
  (attribute
    (identifier) @_cfg
    arguments: (token_tree
      (identifier) @_test))
  (#eq? @_cfg "cfg")
  (#eq? @_test "test")) @signal.test

; Generated code: a marker comment at the top of the file.
(source_file
  .
  [
    (line_comment)
    (block_comment)
  ] @signal.generated
  (#match? @signal.generated "(@generated|DO NOT EDIT|Code generated by|[Aa]uto-?generated)"))
