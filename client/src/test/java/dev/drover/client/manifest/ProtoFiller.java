package dev.drover.client.manifest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.drover.api.v1.IntOrString;

/**
 * Test helper that sets every field of a message, recursively, to a non-default value, so that
 * round trips are checked on every field the API has. {@code variant} picks which member of each
 * oneof is set and varies the values, so a few variants together cover every member.
 */
final class ProtoFiller {

  private static final int MAX_DEPTH = 12;
  private static final String[] QUANTITIES = {"250m", "1.5Gi", "2", "1e3", "0.5", "64Mi"};

  private ProtoFiller() {}

  static Message fill(Message.Builder builder, int variant) {
    fill(builder, variant, 0);
    return builder.build();
  }

  private static void fill(Message.Builder builder, int variant, int depth) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null && oneof.getField(variant % oneof.getFieldCount()) != field) {
        continue;
      }
      if (field.isMapField()) {
        Descriptor entryType = field.getMessageType();
        for (int i = 1; i <= 2; i++) {
          Message.Builder entry = builder.newBuilderForField(field);
          entry.setField(entryType.findFieldByName("key"), "key-" + i + "/" + field.getName());
          FieldDescriptor valueField = entryType.findFieldByName("value");
          entry.setField(
              valueField,
              value(entry, valueField, variant + i, depth, KubeSchema.isQuantity(field)));
          builder.addRepeatedField(field, entry.build());
        }
      } else if (field.isRepeated()) {
        for (int i = 0; i < 2; i++) {
          java.lang.Object value = value(builder, field, variant + i, depth, false);
          if (value != null) {
            builder.addRepeatedField(field, value);
          }
        }
      } else {
        java.lang.Object value =
            value(builder, field, variant, depth, KubeSchema.isQuantity(field));
        if (value != null) {
          builder.setField(field, value);
        }
      }
    }
  }

  private static java.lang.Object value(
      Message.Builder parent, FieldDescriptor field, int variant, int depth, boolean quantity) {
    switch (field.getJavaType()) {
      case MESSAGE:
        Descriptor type = field.getMessageType();
        if (type.equals(Timestamp.getDescriptor())) {
          return Timestamp.newBuilder()
              .setSeconds(1714564800L + variant)
              .setNanos(5000 * variant)
              .build();
        }
        if (type.equals(IntOrString.getDescriptor())) {
          return variant % 2 == 0
              ? IntOrString.newBuilder().setIntValue(8080 + variant).build()
              : IntOrString.newBuilder().setStringValue(variant + "%").build();
        }
        if (depth >= MAX_DEPTH) {
          return null;
        }
        Message.Builder nested = parent.newBuilderForField(field);
        fill(nested, variant, depth + 1);
        return nested.build();
      case STRING:
        if (quantity) {
          return QUANTITIES[variant % QUANTITIES.length];
        }
        return field.getName() + "-" + variant + (variant % 3 == 0 ? "\nsecond line: x" : "");
      case INT:
        return 7 + variant;
      case LONG:
        return 1_000_000_000_000L + variant;
      case BOOLEAN:
        return true;
      case FLOAT:
        return 1.5f;
      case DOUBLE:
        return 2.5;
      case BYTE_STRING:
        return ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff, (byte) variant});
      case ENUM:
        EnumDescriptor enumType = field.getEnumType();
        return enumType.getValues().get(1 + variant % (enumType.getValues().size() - 1));
      default:
        throw new IllegalStateException("unhandled " + field.getJavaType());
    }
  }
}
