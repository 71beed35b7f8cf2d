; Regions of Rust code: what gets a lane of its own.
; A `fn` with a body anywhere is a function; lanes calls one directly inside an `impl` or a
; `trait` a method.
; Trait method declarations without a body are `function_signature_item`, not regions.

(function_item
  name: (identifier) @name) @region.function

; `impl Trait for Type` is named `Trait for Type`; an inherent impl is named by its type.
(impl_item
  trait: (_) @name.qualifier
  type: (_) @name) @region.impl

(impl_item
  !trait
  type: (_) @name) @region.impl

(trait_item
  name: (type_identifier) @name) @region.trait

; Inline modules only: `mod x;` declares a file, which is classified on its own.
(mod_item
  name: (identifier) @name
  body: (declaration_list)) @region.module
