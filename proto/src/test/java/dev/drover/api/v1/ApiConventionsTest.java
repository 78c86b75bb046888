package dev.drover.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Checks the naming and shape conventions of drover.v1 that docs/API.md promises, on the
 * descriptors compiled into the generated Java code.
 */
class ApiConventionsTest {

  private static final List<FileDescriptor> FILES =
      List.of(
          MetaProto.getDescriptor(),
          CoreProto.getDescriptor(),
          AppsProto.getDescriptor(),
          BatchProto.getDescriptor(),
          ObjectProto.getDescriptor(),
          ControlProto.getDescriptor(),
          NodeProto.getDescriptor());

  @Test
  void enumsHaveUnspecifiedZeroAndPrefixedValues() {
    List<String> problems = new ArrayList<>();
    List<EnumDescriptor> enums = new ArrayList<>();
    for (FileDescriptor file : FILES) {
      enums.addAll(file.getEnumTypes());
      for (Descriptor message : file.getMessageTypes()) {
        enums.addAll(message.getEnumTypes());
      }
    }
    assertThat(enums).hasSizeGreaterThan(20);
    for (EnumDescriptor e : enums) {
      String prefix = upperSnake(e.getName()) + "_";
      EnumValueDescriptor zero = e.findValueByNumber(0);
      if (zero == null || !zero.getName().equals(prefix + "UNSPECIFIED")) {
        problems.add(e.getName() + ": zero value must be " + prefix + "UNSPECIFIED");
      }
      for (EnumValueDescriptor value : e.getValues()) {
        if (!value.getName().startsWith(prefix)) {
          problems.add(value.getName() + " lacks the prefix " + prefix);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void objectOneofCaseNumbersMatchKindValues() {
    OneofDescriptor oneof = Object.getDescriptor().getOneofs().get(0);
    List<EnumValueDescriptor> kinds = new ArrayList<>(Kind.getDescriptor().getValues());
    kinds.removeIf(k -> k.getNumber() == 0);
    assertThat(oneof.getFields()).hasSameSizeAs(kinds);
    for (FieldDescriptor field : oneof.getFields()) {
      EnumValueDescriptor kind = Kind.getDescriptor().findValueByNumber(field.getNumber());
      assertThat(kind).as("Kind for Object.%s", field.getName()).isNotNull();
      assertThat(kind.getName()).isEqualTo("KIND_" + field.getName().toUpperCase(Locale.ROOT));
    }
  }

  @Test
  void everyKindStartsWithObjectMeta() {
    for (FieldDescriptor field : Object.getDescriptor().getFields()) {
      Descriptor kind = field.getMessageType();
      FieldDescriptor metadata = kind.findFieldByNumber(1);
      assertThat(metadata).as("%s field 1", kind.getName()).isNotNull();
      assertThat(metadata.getName()).isEqualTo("metadata");
      assertThat(metadata.getMessageType()).isEqualTo(ObjectMeta.getDescriptor());
      FieldDescriptor spec = kind.findFieldByName("spec");
      if (spec != null) {
        assertThat(spec.getNumber()).as("%s.spec number", kind.getName()).isEqualTo(2);
        FieldDescriptor status = kind.findFieldByName("status");
        if (status != null) {
          assertThat(status.getNumber()).as("%s.status number", kind.getName()).isEqualTo(3);
        }
      }
    }
  }

  /** "DaemonSetUpdateStrategyType" becomes "DAEMON_SET_UPDATE_STRATEGY_TYPE". */
  private static String upperSnake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }
}
