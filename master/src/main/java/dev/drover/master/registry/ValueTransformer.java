package dev.drover.master.registry;

import com.google.protobuf.ByteString;

/**
 * Turns an object's stored bytes into what the store holds and back, for the keys a {@link
 * TransformingKvStore} covers: the seam through which Secrets are encrypted at rest. Both
 * directions receive the store key so an implementation can bind a value to its key.
 */
public interface ValueTransformer {

  /** The bytes to write under {@code key} for the object bytes {@code value}. */
  ByteString toStore(ByteString key, ByteString value);

  /**
   * The object bytes of a stored {@code value}. Fails with an {@link IllegalStateException} when
   * the value cannot be read back (for example, it was written with a key this master lacks).
   */
  ByteString fromStore(ByteString key, ByteString value);
}
