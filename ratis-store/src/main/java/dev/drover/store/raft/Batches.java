package dev.drover.store.raft;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The framing that carries several {@code StoreRequest}s in one Raft log entry (or one read-only
 * query), and their {@code StoreResponse}s in one reply: a zero byte, then each message as a varint
 * length and its bytes.
 *
 * <p>A serialized protobuf message never starts with a zero byte (it would be a tag for field
 * number 0, which protobuf forbids), and an empty one has no bytes at all, so a plain message and a
 * batch cannot be confused; log entries written before batching existed still read as plain
 * messages.
 */
final class Batches {
  private Batches() {}

  /** Whether {@code content} is a batch rather than one plain message. */
  static boolean isBatch(ByteBuffer content) {
    return content.remaining() > 0 && content.get(content.position()) == 0;
  }

  /** Frames the serialized messages as one batch. */
  static byte[] encode(List<byte[]> messages) {
    int size = 1;
    for (byte[] m : messages) {
      size += CodedOutputStream.computeUInt32SizeNoTag(m.length) + m.length;
    }
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      cos.writeRawByte(0);
      for (byte[] m : messages) {
        cos.writeUInt32NoTag(m.length);
        cos.writeRawBytes(m);
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("framing a batch into an exactly sized array failed", e);
    }
    return out;
  }

  /** The messages of a batch, as views of {@code content}. */
  static List<ByteBuffer> decode(ByteBuffer content) throws IOException {
    ByteBuffer b = content.duplicate();
    if (b.remaining() == 0 || b.get() != 0) {
      throw new IOException("not a batch");
    }
    CodedInputStream in = CodedInputStream.newInstance(b);
    List<ByteBuffer> out = new ArrayList<>();
    int base = b.position();
    while (!in.isAtEnd()) {
      int len = in.readRawVarint32();
      int start = base + in.getTotalBytesRead();
      if (len < 0 || len > b.limit() - start) {
        throw new IOException("batch element of " + len + " bytes runs past the end");
      }
      ByteBuffer element = b.duplicate();
      element.position(start).limit(start + len);
      out.add(element.slice());
      in.skipRawBytes(len);
    }
    return out;
  }
}
