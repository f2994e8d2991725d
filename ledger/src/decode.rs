//! The record decoder: a serde `Deserializer` that reads the frozen record
//! body layout of docs/FORMAT.md §Record directly from a byte slice.
//!
//! Records are written by bincode 2.0.1 (little endian, fixed-width
//! integers), and bincode stays the only encoder. Reading back through
//! bincode's generic serde decoder cost ~460 ns per probe sample on this
//! machine kind, six times its encoding and more than the blake3 chain;
//! reading is what `verify`, every report and every replay do to every
//! record. This decoder reads the same layout with one bounds-checked
//! cursor and no per-read bookkeeping.
//!
//! **Invariant:** it accepts exactly the bodies bincode 2.0.1 accepts with
//! the canonical configuration and yields the same values; it mirrors
//! bincode's serde decoder method by method (primitives little endian and
//! fixed width, `bool` only 0 or 1, `Option` tags only 0 or 1, lengths as
//! `u64`, enum variants as `u32`, structs and tuples as their fields in
//! order, `deserialize_any` / identifiers / ignored values unsupported).
//! bincode's byte limit cannot bite within a record: it only counts bytes
//! actually read, and a record is at most [`crate::encoding::MAX_RECORD`].
//! Tests hold the two decoders equal on every kind of record and on
//! mutated bytes (`ledger/tests/decode_equivalence.rs`). Error messages
//! differ from bincode's; only acceptance and values are the contract.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

/// Why a record body does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeFault {
    /// The body ends inside a value.
    #[error("the record ends inside a value ({needed} more bytes needed)")]
    UnexpectedEnd {
        /// Bytes missing for the value being read.
        needed: usize,
    },
    /// A `bool` byte other than 0 or 1.
    #[error("invalid bool byte {0}")]
    InvalidBool(u8),
    /// An `Option` tag other than 0 or 1.
    #[error("invalid option tag {0}")]
    InvalidOptionTag(u8),
    /// A `char` that is not one UTF-8 scalar value.
    #[error("invalid char encoding")]
    InvalidChar,
    /// A string that is not UTF-8.
    #[error("string is not valid UTF-8: {0}")]
    Utf8(std::str::Utf8Error),
    /// A length that does not fit this machine's `usize`.
    #[error("length {0} does not fit in usize")]
    Length(u64),
    /// A serde request the format does not support (bincode refuses it too).
    #[error("the record format does not support {0}")]
    Unsupported(&'static str),
    /// A value's own `Deserialize` refused it (e.g. an unknown variant).
    #[error("{0}")]
    Custom(String),
}

impl de::Error for DecodeFault {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DecodeFault::Custom(msg.to_string())
    }
}

/// A cursor over a record body.
pub struct Reader<'de> {
    rest: &'de [u8],
}

impl<'de> Reader<'de> {
    /// A reader at the start of `body`.
    pub fn new(body: &'de [u8]) -> Self {
        Reader { rest: body }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'de [u8], DecodeFault> {
        if self.rest.len() < n {
            return Err(DecodeFault::UnexpectedEnd {
                needed: n - self.rest.len(),
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeFault> {
        let b = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, DecodeFault> {
        match self.rest.split_first() {
            Some((&b, tail)) => {
                self.rest = tail;
                Ok(b)
            }
            None => Err(DecodeFault::UnexpectedEnd { needed: 1 }),
        }
    }

    #[inline]
    fn len(&mut self) -> Result<usize, DecodeFault> {
        let v = u64::from_le_bytes(self.array()?);
        usize::try_from(v).map_err(|_| DecodeFault::Length(v))
    }

    #[inline]
    fn str(&mut self) -> Result<&'de str, DecodeFault> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(DecodeFault::Utf8)
    }

    #[inline]
    fn bytes(&mut self) -> Result<&'de [u8], DecodeFault> {
        let n = self.len()?;
        self.take(n)
    }

    fn char(&mut self) -> Result<char, DecodeFault> {
        let first = self.u8()?;
        let width = match first {
            0x00..=0x7F => return Ok(first as char),
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return Err(DecodeFault::InvalidChar),
        };
        let mut a = [first, 0, 0, 0];
        a[1..width].copy_from_slice(self.take(width - 1)?);
        std::str::from_utf8(&a[..width])
            .ok()
            .and_then(|s| s.chars().next())
            .ok_or(DecodeFault::InvalidChar)
    }
}

macro_rules! primitive {
    ($($method:ident $visit:ident $t:ty;)*) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
                visitor.$visit(<$t>::from_le_bytes(self.array()?))
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = DecodeFault;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeFault> {
        Err(DecodeFault::Unsupported(
            "self-describing values (deserialize_any)",
        ))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        match self.u8()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            b => Err(DecodeFault::InvalidBool(b)),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_u8(self.u8()?)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_i8(self.u8()? as i8)
    }

    primitive! {
        deserialize_i16 visit_i16 i16;
        deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64;
        deserialize_i128 visit_i128 i128;
        deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32;
        deserialize_u64 visit_u64 u64;
        deserialize_u128 visit_u128 u128;
        deserialize_f32 visit_f32 f32;
        deserialize_f64 visit_f64 f64;
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_char(self.char()?)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_borrowed_str(self.str()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        // bincode decodes an owned `String` here; so do we.
        visitor.visit_string(self.str()?.to_owned())
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_borrowed_bytes(self.bytes()?)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_byte_buf(self.bytes()?.to_vec())
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        match self.u8()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            t => Err(DecodeFault::InvalidOptionTag(t)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        let len = self.len()?;
        self.deserialize_tuple(len, visitor)
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        visitor.visit_seq(Counted { de: self, len })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeFault> {
        let len = self.len()?;
        visitor.visit_map(Counted { de: self, len })
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        self.deserialize_tuple(fields.len(), visitor)
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        visitor.visit_enum(self)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeFault> {
        Err(DecodeFault::Unsupported("identifiers"))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeFault> {
        Err(DecodeFault::Unsupported("ignored values"))
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// A sequence, tuple, struct or map of a known number of elements.
struct Counted<'a, 'de> {
    de: &'a mut Reader<'de>,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for Counted<'_, 'de> {
    type Error = DecodeFault;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeFault> {
        if self.len == 0 {
            return Ok(None);
        }
        self.len -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len)
    }
}

impl<'de> de::MapAccess<'de> for Counted<'_, 'de> {
    type Error = DecodeFault;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeFault> {
        if self.len == 0 {
            return Ok(None);
        }
        self.len -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeFault> {
        seed.deserialize(&mut *self.de)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len)
    }
}

impl<'de> de::EnumAccess<'de> for &mut Reader<'de> {
    type Error = DecodeFault;
    type Variant = Self;

    #[inline]
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), DecodeFault> {
        let idx = u32::from_le_bytes(self.array()?);
        let v = seed.deserialize(IntoDeserializer::<DecodeFault>::into_deserializer(idx))?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Reader<'de> {
    type Error = DecodeFault;

    fn unit_variant(self) -> Result<(), DecodeFault> {
        Ok(())
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeFault> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeFault> {
        de::Deserializer::deserialize_tuple(self, fields.len(), visitor)
    }
}

/// Decodes one value from the start of `body`; returns it and the bytes used.
pub fn decode_prefix<'de, T: serde::Deserialize<'de>>(
    body: &'de [u8],
) -> Result<(T, usize), DecodeFault> {
    let mut r = Reader::new(body);
    let v = T::deserialize(&mut r)?;
    Ok((v, body.len() - r.remaining()))
}
