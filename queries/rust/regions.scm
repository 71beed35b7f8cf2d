; Regions of Rust code: what gets a lane of its own.
; A `fn` with a body anywhere is a function; one directly in an `impl` or `trait` is a method.
; Trait method declarations without a body are `function_signature_item`, not regions.

(function_item
  name: (identifier) @name) @region.function

(impl_item
  body: (declaration_list
    (function_item
      name: (identifier) @name) @region.method))

(trait_item
  body: (declaration_list
    (function_item
      name: (identifier) @name) @region.method))

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
