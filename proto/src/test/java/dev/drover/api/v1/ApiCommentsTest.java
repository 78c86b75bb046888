package dev.drover.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enforces the API rule that every message, field, oneof, enum, enum value, service and rpc carries
 * a comment, reading the comments from a descriptor set with source info produced by the system
 * protoc (the Java runtime descriptors drop comments).
 */
class ApiCommentsTest {

  // Field numbers inside descriptor.proto that make up source-location paths.
  private static final int FILE_MESSAGE_TYPE = 4;
  private static final int FILE_ENUM_TYPE = 5;
  private static final int FILE_SERVICE = 6;
  private static final int MESSAGE_FIELD = 2;
  private static final int MESSAGE_NESTED_TYPE = 3;
  private static final int MESSAGE_ENUM_TYPE = 4;
  private static final int MESSAGE_ONEOF = 8;
  private static final int ENUM_VALUE = 2;
  private static final int SERVICE_METHOD = 2;

  @TempDir Path tmp;

  @Test
  void everyApiElementHasAComment() throws Exception {
    SystemProtoc.assumeInstalled();
    Path descriptorSet = tmp.resolve("api.desc");
    SystemProtoc.Result result =
        SystemProtoc.run(List.of("--include_source_info", "--descriptor_set_out=" + descriptorSet));
    assertThat(result.exitCode()).as("protoc failed: %s", result.stderr()).isZero();

    FileDescriptorSet set;
    try (InputStream in = Files.newInputStream(descriptorSet)) {
      set = FileDescriptorSet.parseFrom(in);
    }
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (FileDescriptorProto file : set.getFileList()) {
      assertThat(file.getPackage()).as("package of %s", file.getName()).isEqualTo("drover.v1");
      Set<List<Integer>> commented = new HashSet<>();
      for (Location location : file.getSourceCodeInfo().getLocationList()) {
        if (!location.getLeadingComments().isBlank() || !location.getTrailingComments().isBlank()) {
          commented.add(location.getPathList());
        }
      }
      List<Element> elements = new ArrayList<>();
      for (int i = 0; i < file.getMessageTypeCount(); i++) {
        collectMessage(file.getMessageType(i), path(List.of(), FILE_MESSAGE_TYPE, i), elements);
      }
      for (int i = 0; i < file.getEnumTypeCount(); i++) {
        collectEnum(file.getEnumType(i), path(List.of(), FILE_ENUM_TYPE, i), elements);
      }
      for (int i = 0; i < file.getServiceCount(); i++) {
        collectService(file.getService(i), path(List.of(), FILE_SERVICE, i), elements);
      }
      for (Element element : elements) {
        checked++;
        if (!commented.contains(element.path())) {
          missing.add(file.getName() + ": " + element.name());
        }
      }
    }
    assertThat(checked).as("elements checked").isGreaterThan(500);
    assertThat(missing).as("API elements without a comment").isEmpty();
  }

  private record Element(String name, List<Integer> path) {}

  private static List<Integer> path(List<Integer> parent, int field, int index) {
    List<Integer> path = new ArrayList<>(parent);
    path.add(field);
    path.add(index);
    return path;
  }

  private static void collectMessage(DescriptorProto message, List<Integer> at, List<Element> out) {
    out.add(new Element("message " + message.getName(), at));
    for (int i = 0; i < message.getFieldCount(); i++) {
      String name = message.getName() + "." + message.getField(i).getName();
      out.add(new Element("field " + name, path(at, MESSAGE_FIELD, i)));
    }
    for (int i = 0; i < message.getOneofDeclCount(); i++) {
      String name = message.getOneofDecl(i).getName();
      // proto3 `optional` fields live in synthetic oneofs named after them with a leading "_";
      // those have no source of their own.
      if (!name.startsWith("_")) {
        out.add(new Element("oneof " + message.getName() + "." + name, path(at, MESSAGE_ONEOF, i)));
      }
    }
    for (int i = 0; i < message.getNestedTypeCount(); i++) {
      DescriptorProto nested = message.getNestedType(i);
      if (!nested.getOptions().getMapEntry()) {
        collectMessage(nested, path(at, MESSAGE_NESTED_TYPE, i), out);
      }
    }
    for (int i = 0; i < message.getEnumTypeCount(); i++) {
      collectEnum(message.getEnumType(i), path(at, MESSAGE_ENUM_TYPE, i), out);
    }
  }

  private static void collectEnum(EnumDescriptorProto e, List<Integer> at, List<Element> out) {
    out.add(new Element("enum " + e.getName(), at));
    for (int i = 0; i < e.getValueCount(); i++) {
      out.add(new Element("enum value " + e.getValue(i).getName(), path(at, ENUM_VALUE, i)));
    }
  }

  private static void collectService(
      ServiceDescriptorProto service, List<Integer> at, List<Element> out) {
    out.add(new Element("service " + service.getName(), at));
    for (int i = 0; i < service.getMethodCount(); i++) {
      String name = service.getName() + "." + service.getMethod(i).getName();
      out.add(new Element("rpc " + name, path(at, SERVICE_METHOD, i)));
    }
  }
}
