; Risk signals in Python code. Each pattern states a fact with `@signal.<kind>`; the
; kind's rule id, category and lane live in the signal table (`lanes rules`), and
; `lanes.toml` may re-lane a kind. Helpers start with `_`.

; ---------------------------------------------------------------------------
; security

; Running a program: command injection if any argument comes from a user.
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "subprocess")
  (#any-of? @_fn "run" "call" "check_call" "check_output" "Popen" "getoutput" "getstatusoutput")) @signal.shell

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "os")
  (#any-of? @_fn "system" "popen" "execv" "execve" "execvp" "execvpe" "execl" "execlp" "spawnv" "spawnvp" "startfile")) @signal.shell

(call
  function: (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "create_subprocess_exec" "create_subprocess_shell")) @signal.shell

(call
  function: (identifier) @_fn
  (#any-of? @_fn "Popen" "check_output" "check_call" "getoutput")) @signal.shell

; Evaluating strings as code.
(call
  function: (identifier) @_fn
  (#any-of? @_fn "eval" "exec")) @signal.eval

; Deserialisers that can construct arbitrary objects (and so run code).
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#any-of? @_module "pickle" "cPickle" "dill" "cloudpickle" "marshal" "jsonpickle" "shelve")
  (#any-of? @_fn "load" "loads" "decode" "open" "Unpickler")) @signal.deserialize

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "yaml")
  (#any-of? @_fn "unsafe_load" "unsafe_load_all" "full_load" "full_load_all")) @signal.deserialize

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  arguments: (argument_list) @_args
  (#eq? @_module "yaml")
  (#any-of? @_fn "load" "load_all")
  (#not-match? @_args "SafeLoader|CSafeLoader|BaseLoader")) @signal.deserialize

; SQL text built with f-strings, `%`, `+` or `.format`: injection if a value is user data.
; The text must read as SQL (`SELECT … FROM`, `UPDATE … SET`, …), not just start with a verb.
(string
  (string_content) @signal.sql
  (interpolation)
  (#match? @signal.sql "(?i)^\\s*(select\\s[\\s\\S]*\\sfrom\\s|insert\\s+into\\s|update\\s+\\S+\\s+set\\s|delete\\s+from\\s|merge\\s+into\\s|alter\\s+table\\s|drop\\s+table\\s|create\\s+table\\s)"))

(binary_operator
  left: (string
    (string_content) @signal.sql)
  (#match? @signal.sql "(?i)^\\s*(select\\s[\\s\\S]*\\sfrom\\s|insert\\s+into\\s|update\\s+\\S+\\s+set\\s|delete\\s+from\\s|merge\\s+into\\s|alter\\s+table\\s|drop\\s+table\\s)"))

(call
  function: (attribute
    object: (string
      (string_content) @signal.sql)
    attribute: (identifier) @_fn)
  (#match? @signal.sql "(?i)^\\s*(select\\s[\\s\\S]*\\sfrom\\s|insert\\s+into\\s|update\\s+\\S+\\s+set\\s|delete\\s+from\\s|merge\\s+into\\s|alter\\s+table\\s|drop\\s+table\\s)")
  (#eq? @_fn "format"))

; Password hashing and checking.
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "bcrypt")
  (#any-of? @_fn "hashpw" "checkpw" "gensalt" "kdf")) @signal.password

(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#any-of? @_fn "make_password" "check_password" "set_password" "set_unusable_password" "generate_password_hash" "check_password_hash" "PasswordHasher" "CryptContext" "pbkdf2_hmac" "scrypt" "hash_password" "verify_password")) @signal.password

(call
  function: (attribute
    object: (identifier) @_ctx
    attribute: (identifier) @_fn)
  (#any-of? @_ctx "pwd_context" "password_context" "pwd_ctx" "hasher" "ph" "argon2" "sha256_crypt" "pbkdf2_sha256" "argon2_hasher")
  (#any-of? @_fn "hash" "verify" "verify_and_update" "needs_update" "needs_rehash" "encrypt")) @signal.password

; Signed tokens: JWT, HMAC, signed cookies and serializers.
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#any-of? @_module "jwt" "jose" "jws" "jwe")
  (#any-of? @_fn "encode" "decode" "sign" "verify" "get_unverified_header")) @signal.token

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "hmac")
  (#any-of? @_fn "new" "compare_digest" "digest" "HMAC")) @signal.token

(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#any-of? @_fn "URLSafeTimedSerializer" "URLSafeSerializer" "TimedSerializer" "TimestampSigner" "Signer" "TimedJSONWebSignatureSerializer")) @signal.token

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "signing")
  (#any-of? @_fn "dumps" "loads")) @signal.token

; Randomness meant to be secret.
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "secrets")
  (#any-of? @_fn "token_urlsafe" "token_hex" "token_bytes" "choice" "randbelow" "randbits" "SystemRandom")) @signal.random

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#any-of? @_module "os" "random")
  (#any-of? @_fn "urandom" "SystemRandom")) @signal.random

; Cryptographic primitives.
(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#any-of? @_fn "Fernet" "MultiFernet" "Cipher" "AESGCM" "ChaCha20Poly1305" "generate_private_key" "load_pem_private_key" "load_der_private_key" "load_pem_public_key" "SigningKey" "VerifyKey" "SecretBox" "PKCS1_OAEP")) @signal.crypto

(call
  function: (attribute
    object: (identifier) @_cipher
    attribute: (identifier) @_fn)
  (#any-of? @_cipher "AES" "DES3" "ChaCha20" "Blowfish" "RSA" "ECC")
  (#any-of? @_fn "new" "generate" "import_key" "construct")) @signal.crypto

; Secrets read from the environment or a secret store.
(call
  function: (attribute
    attribute: (identifier) @_fn)
  arguments: (argument_list
    .
    (string
      (string_content) @signal.secrets))
  (#match? @signal.secrets "(?i)(secret|passw|private_key|api_key|apikey|access_key|signing_key|_token$)")
  (#any-of? @_fn "getenv" "get" "environ" "get_secret_value" "get_parameter"))

(subscript
  value: (attribute
    attribute: (identifier) @_env)
  subscript: (string
    (string_content) @signal.secrets)
  (#match? @signal.secrets "(?i)(secret|passw|private_key|api_key|apikey|access_key|signing_key|_token$)")
  (#eq? @_env "environ"))

; ---------------------------------------------------------------------------
; identity

; Logging users in and out, checking credentials.
(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#any-of? @_fn "login_user" "logout_user" "authenticate" "authenticate_user" "login" "logout" "check_credentials" "update_session_auth_hash" "confirm_login")) @signal.login

(decorator
  (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "user_loader" "request_loader" "header_loader" "token_loader" "verify_password" "verify_token")) @signal.login

; The login session: entries that identify the user, and clearing or rotating it.
(subscript
  value: [
    (identifier) @_session
    (attribute attribute: (identifier) @_session)
  ]
  subscript: (string) @_key
  (#eq? @_session "session")
  (#match? @_key "(?i)(user|uid|auth|login|account|role|token|csrf|otp|mfa|2fa|verified|impersonat)")) @signal.session

(call
  function: (attribute
    object: [
      (identifier) @_session
      (attribute attribute: (identifier) @_session)
    ]
    attribute: (identifier) @_fn)
  arguments: (argument_list
    .
    (string) @_key)
  (#eq? @_session "session")
  (#any-of? @_fn "pop" "get" "setdefault")
  (#match? @_key "(?i)(user|uid|auth|login|account|role|token|csrf|otp|mfa|2fa|verified|impersonat)")) @signal.session

(call
  function: (attribute
    object: [
      (identifier) @_session
      (attribute attribute: (identifier) @_session)
    ]
    attribute: (identifier) @_fn)
  (#eq? @_session "session")
  (#any-of? @_fn "clear" "cycle_key" "invalidate" "regenerate")) @signal.session

; Credentials taken from a request: the `Authorization` header or a bearer token.
((string_content) @signal.login
  (#match? @signal.login "^(?i)(authorization$|bearer |x-api-key$|x-auth-token$|http_authorization$)"))

; Creating users and changing credentials.
(call
  function: (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "create_user" "create_superuser")) @signal.account

; ---------------------------------------------------------------------------
; permission

; Access-control decorators on views and functions.
(decorator
  [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
    (call function: [
      (identifier) @_fn
      (attribute attribute: (identifier) @_fn)
    ])
  ]
  (#any-of? @_fn "login_required" "permission_required" "user_passes_test" "staff_member_required" "superuser_required" "admin_required" "requires_auth" "roles_required" "roles_accepted" "require_role" "require_permission" "requires_permission" "fresh_login_required" "permission_classes" "auth_required" "requires" "has_permissions")) @signal.permission

; Permission and role checks.
(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#any-of? @_fn "has_perm" "has_perms" "has_module_perms" "has_permission" "has_object_permission" "check_permission" "check_permissions" "check_object_permissions" "require_permission" "require_role" "has_role" "has_any_role" "is_authorized" "authorize" "enforce" "can_access")) @signal.permission

(attribute
  attribute: (identifier) @_attr
  (#any-of? @_attr "is_superuser" "is_staff" "is_admin")) @signal.permission

(comparison_operator
  [
    (attribute attribute: (identifier) @_attr)
    (identifier) @_attr
  ]
  (#any-of? @_attr "role" "roles" "user_role" "permissions" "scopes")) @signal.permission

; Refusing access: 401/403 responses and permission exceptions.
(raise_statement
  [
    (identifier) @_exc
    (attribute attribute: (identifier) @_exc)
    (call function: [
      (identifier) @_exc
      (attribute attribute: (identifier) @_exc)
    ])
  ]
  (#any-of? @_exc "PermissionDenied" "Forbidden" "HTTPForbidden" "NotAuthorized" "Unauthorized" "HTTPUnauthorized" "AuthorizationError" "AccessDenied" "PermissionError" "NotAuthenticated" "AuthenticationFailed")) @signal.permission

(call
  function: (identifier) @_fn
  arguments: (argument_list
    .
    (integer) @_code)
  (#eq? @_fn "abort")
  (#any-of? @_code "401" "403")) @signal.permission

(attribute
  attribute: (identifier) @_status
  (#any-of? @_status "HTTP_401_UNAUTHORIZED" "HTTP_403_FORBIDDEN")) @signal.permission

(keyword_argument
  name: (identifier) @_name
  value: (integer) @_code
  (#any-of? @_code "401" "403")
  (#any-of? @_name "status_code" "status")) @signal.permission

; ---------------------------------------------------------------------------
; billing

; Payment provider SDKs: `stripe.PaymentIntent.create(...)` and friends.
(call
  function: (attribute
    object: (attribute
      object: (identifier) @_sdk)
    attribute: (identifier))
  (#any-of? @_sdk "stripe" "braintree" "paypalrestsdk" "adyen" "razorpay" "mollie" "squareup" "paddle" "gocardless_pro" "chargebee" "recurly")) @signal.payments

(call
  function: (attribute
    object: (identifier) @_sdk)
  (#any-of? @_sdk "paypalrestsdk" "braintree")) @signal.payments

; A payment gateway object: `gateway.transaction.sale(...)`, `client.payments.create(...)`.
(call
  function: (attribute
    object: (attribute
      object: (identifier) @_client
      attribute: (identifier) @_resource)
    attribute: (identifier) @_fn)
  (#any-of? @_client "gateway" "braintree_gateway" "payment_gateway" "stripe_client" "adyen_client" "square_client")
  (#any-of? @_resource "transaction" "customer" "subscription" "payment_method" "refund" "payments" "refunds" "checkout")) @signal.payments

;  Moving money through a payment object: `billing.charge(...)`, `gateway.refund(...)`.
(call
  function: (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "charge" "refund" "payout" "capture_payment" "create_charge" "create_refund" "issue_refund" "charge_card" "charge_customer" "transfer_funds" "send_payout")) @signal.money

; ---------------------------------------------------------------------------
; irreversible

; Deleting files and directories.
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#any-of? @_module "os" "shutil")
  (#any-of? @_fn "remove" "unlink" "rmdir" "removedirs" "rmtree")) @signal.delete_files

; `Path(...).unlink()` and `.rmdir()` take no positional argument (a linked list's
; `node.unlink(item)` is not a file).
(call
  function: (attribute
    attribute: (identifier) @_fn)
  arguments: (argument_list) @_args
  (#any-of? @_fn "unlink" "rmdir")
  (#match? @_args "^\\(\\s*(missing_ok\\s*=[^,)]*)?\\s*\\)$")) @signal.delete_files

(call
  function: (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "rmtree" "delete_object" "delete_objects" "delete_blob" "delete_file" "delete_bucket")) @signal.delete_files

(call
  function: (identifier) @_fn
  (#any-of? @_fn "rmtree" "unlink" "rmdir")) @signal.delete_files

; Deleting stored records: Django `obj.delete()` / `queryset.delete()`, SQLAlchemy
; `session.delete(obj)`, Mongo `delete_many`.
(call
  function: (attribute
    attribute: (identifier) @_fn)
  arguments: (argument_list) @_args
  (#eq? @_fn "delete")
  (#eq? @_args "()")) @signal.delete_records

(call
  function: (attribute
    object: [
      (identifier) @_session
      (attribute attribute: (identifier) @_session)
    ]
    attribute: (identifier) @_fn)
  (#any-of? @_session "session" "db_session" "Session" "db")
  (#eq? @_fn "delete")) @signal.delete_records

(call
  function: (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "delete_many" "delete_one" "bulk_delete" "drop_collection" "drop_database" "hard_delete" "purge")) @signal.delete_records

; Destructive SQL and schema migrations that drop data. SQL is written in upper or lower
; case; sentence case ("Delete from the cache…", "Truncate a string…") is prose.
((string_content) @signal.destructive_sql
  (#match? @signal.destructive_sql "^\\s*(DELETE\\s+FROM|delete\\s+from|DROP\\s+(TABLE|DATABASE|SCHEMA|COLUMN)|drop\\s+(table|database|schema|column)|TRUNCATE\\s|truncate\\s+table|ALTER\\s+TABLE\\s+\\S+\\s+DROP|alter\\s+table\\s+\\S+\\s+drop)"))

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "op")
  (#any-of? @_fn "drop_table" "drop_column" "drop_index" "drop_constraint" "execute")) @signal.destructive_sql

(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#eq? @_module "migrations")
  (#any-of? @_fn "DeleteModel" "RemoveField" "RunSQL")) @signal.destructive_sql

; ---------------------------------------------------------------------------
; Lane 2: data and revenue

; Parsing external data.
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_fn)
  (#any-of? @_module "json" "yaml" "csv" "tomllib" "toml" "xml" "ElementTree" "orjson" "ujson" "msgpack")
  (#any-of? @_fn "loads" "load" "safe_load" "reader" "DictReader" "fromstring" "parse")) @signal.parsing

(call
  function: (attribute
    attribute: (identifier) @_fn)
  (#any-of? @_fn "get_json" "model_validate" "model_validate_json" "parse_obj" "parse_raw" "is_valid" "full_clean")) @signal.validation

; ---------------------------------------------------------------------------
; Lane 1: tests

; unittest / Django test cases outside test paths.
(class_definition
  superclasses: (argument_list
    [
      (identifier) @_base
      (attribute attribute: (identifier) @_base)
    ])
  (#any-of? @_base "TestCase" "TransactionTestCase" "SimpleTestCase" "LiveServerTestCase" "IsolatedAsyncioTestCase" "APITestCase" "AsyncTestCase")) @signal.test

; Generated code: a marker comment at the top of the file.
(module
  .
  (comment) @signal.generated
  (#match? @signal.generated "(@generated|DO NOT EDIT|Code generated by|[Aa]uto-?generated)"))
