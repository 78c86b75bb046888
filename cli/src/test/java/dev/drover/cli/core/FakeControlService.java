package dev.drover.cli.core;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import dev.drover.api.ApiObjects;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.ApplyAction;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ApplyResponse;
import dev.drover.api.v1.ApplyResult;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.MasterRole;
import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.NodeActionResponse;
import dev.drover.api.v1.NodeActionType;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * An in-memory ControlService for CLI tests: stores objects by kind, namespace and name, applies
 * and deletes them, validates container images the way a master would (INVALID_ARGUMENT with a
 * BadRequest detail), records every request, and serves scripted watch events and log chunks.
 */
public final class FakeControlService extends ControlServiceGrpc.ControlServiceImplBase {

  private final Map<String, Object> objects = new TreeMap<>();
  private long revision = 100;

  /** Requests received, in order. */
  public final List<com.google.protobuf.Message> requests = new CopyOnWriteArrayList<>();

  /** Events a Watch streams before completing. */
  public final List<WatchEvent> watchEvents = new CopyOnWriteArrayList<>();

  /** Chunks a Logs call streams. */
  public final List<String> logLines = new CopyOnWriteArrayList<>();

  /** Answers to the next DRAIN calls, in order; when empty a DRAIN evicts default/web-1. */
  public final java.util.Queue<NodeActionResponse> drainAnswers =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** Applied to an object each time it is read with Get (simulates controllers progressing). */
  public volatile UnaryOperator<Object> onGet = UnaryOperator.identity();

  /** The message the real master gives for a missing object ("Pod default/x not found"). */
  static String notFound(Kind kind, String namespace, String name) {
    String kindName = dev.drover.api.Kinds.info(kind).kindName();
    return kindName + " " + (namespace.isEmpty() ? "" : namespace + "/") + name + " not found";
  }

  /** Rewrites each apply result before it is returned (e.g. to add the server's warnings). */
  public volatile UnaryOperator<ApplyResult> onApply = UnaryOperator.identity();

  /** When set, every call fails with this status. */
  public volatile StatusRuntimeException failure;

  private static String key(Kind kind, String namespace, String name) {
    return kind.getNumber() + "/" + namespace + "/" + name;
  }

  /** The stored objects of one kind. */
  public synchronized List<Object> objects(Kind kind) {
    return objects.entrySet().stream()
        .filter(e -> e.getKey().startsWith(kind.getNumber() + "/"))
        .map(java.util.Map.Entry::getValue)
        .toList();
  }

  /** Stores an object as if created at {@code created}. */
  public synchronized Object put(Object object, Instant created) {
    ObjectMeta meta = ApiObjects.meta(object);
    ResourceType type = ResourceType.of(object);
    String namespace =
        type.namespaced() && meta.getNamespace().isEmpty() ? "default" : meta.getNamespace();
    ObjectMeta.Builder stored =
        meta.toBuilder()
            .setNamespace(namespace)
            .setResourceVersion(++revision)
            .setGeneration(Math.max(1, meta.getGeneration()));
    if (meta.getUid().isEmpty()) {
      stored.setUid("uid-" + meta.getName());
    }
    if (!meta.hasCreationTime()) {
      stored.setCreationTime(ApiObjects.timestamp(created));
    }
    Object result = ApiObjects.withMeta(object, stored.build());
    objects.put(key(type.kind(), namespace, meta.getName()), result);
    return result;
  }

  /** The stored object, or null. */
  public synchronized Object stored(Kind kind, String namespace, String name) {
    return objects.get(key(kind, namespace, name));
  }

  private boolean failed(StreamObserver<?> observer) {
    if (failure != null) {
      observer.onError(failure);
      return true;
    }
    return false;
  }

  @Override
  public void get(GetRequest request, StreamObserver<Object> observer) {
    requests.add(request);
    if (failed(observer)) {
      return;
    }
    Object object;
    synchronized (this) {
      object = objects.get(key(request.getKind(), request.getNamespace(), request.getName()));
      if (object != null) {
        object = onGet.apply(object);
        objects.put(key(request.getKind(), request.getNamespace(), request.getName()), object);
      }
    }
    if (object == null) {
      observer.onError(
          Status.NOT_FOUND
              .withDescription("pods \"" + request.getName() + "\" not found")
              .asRuntimeException());
      return;
    }
    observer.onNext(object);
    observer.onCompleted();
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> observer) {
    requests.add(request);
    if (failed(observer)) {
      return;
    }
    List<Object> items = new ArrayList<>();
    synchronized (this) {
      for (Object object : objects.values()) {
        ObjectMeta meta = ApiObjects.meta(object);
        if (ResourceType.of(object).kind() != request.getKind()) {
          continue;
        }
        if (!request.getNamespace().isEmpty()
            && !request.getNamespace().equals(meta.getNamespace())) {
          continue;
        }
        if (!matches(request.getLabelSelector(), meta)) {
          continue;
        }
        items.add(object);
      }
    }
    observer.onNext(
        ListResponse.newBuilder().addAllItems(items).setResourceVersion(revision).build());
    observer.onCompleted();
  }

  /** Equality-only selectors ("a=b,c=d"), enough for the tests. */
  private static boolean matches(String selector, ObjectMeta meta) {
    if (selector.isEmpty()) {
      return true;
    }
    for (String part : selector.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2 || !kv[1].equals(meta.getLabelsMap().get(kv[0]))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void apply(ApplyRequest request, StreamObserver<ApplyResponse> observer) {
    requests.add(request);
    if (failed(observer)) {
      return;
    }
    BadRequest.Builder bad = BadRequest.newBuilder();
    for (int i = 0; i < request.getObjectsCount(); i++) {
      Object object = request.getObjects(i);
      if (object.hasPod()) {
        List<Container> containers = object.getPod().getSpec().getContainersList();
        for (int c = 0; c < containers.size(); c++) {
          if (containers.get(c).getImage().isEmpty()) {
            bad.addFieldViolations(
                BadRequest.FieldViolation.newBuilder()
                    .setField("objects[" + i + "].spec.containers[" + c + "].image")
                    .setDescription("must not be empty"));
          }
        }
      }
    }
    if (bad.getFieldViolationsCount() > 0) {
      observer.onError(
          StatusProto.toStatusRuntimeException(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.INVALID_ARGUMENT_VALUE)
                  .setMessage("invalid objects")
                  .addDetails(Any.pack(bad.build()))
                  .build()));
      return;
    }
    ApplyResponse.Builder response = ApplyResponse.newBuilder();
    synchronized (this) {
      for (Object sent : request.getObjectsList()) {
        // As the server does: an applied object carries its field manager.
        ObjectMeta meta =
            ApiObjects.meta(sent).toBuilder()
                .putAnnotations(WellKnown.FIELD_MANAGER, request.getFieldManager())
                .build();
        Object object = ApiObjects.withMeta(sent, meta);
        Object existing =
            objects.get(key(ResourceType.of(object).kind(), meta.getNamespace(), meta.getName()));
        ApplyAction action;
        Object result = object;
        if (existing == null) {
          action = ApplyAction.APPLY_ACTION_CREATED;
          if (!request.getDryRun()) {
            result = put(object, Instant.now());
          }
        } else if (ApiObjects.message(existing).toBuilder()
            .setField(
                ApiObjects.message(existing).getDescriptorForType().findFieldByNumber(1), meta)
            .build()
            .equals(ApiObjects.message(object))) {
          action = ApplyAction.APPLY_ACTION_UNCHANGED;
          result = existing;
        } else {
          action = ApplyAction.APPLY_ACTION_CONFIGURED;
          result = ApiObjects.withMeta(object, ApiObjects.meta(existing));
          if (!request.getDryRun()) {
            result = put(result, Instant.now());
          }
        }
        response.addResults(
            onApply.apply(ApplyResult.newBuilder().setObject(result).setAction(action).build()));
      }
    }
    observer.onNext(response.build());
    observer.onCompleted();
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
    requests.add(request);
    if (failed(observer)) {
      return;
    }
    Object removed;
    synchronized (this) {
      removed = objects.remove(key(request.getKind(), request.getNamespace(), request.getName()));
    }
    if (removed == null) {
      observer.onError(
          Status.NOT_FOUND
              .withDescription(
                  notFound(request.getKind(), request.getNamespace(), request.getName()))
              .asRuntimeException());
      return;
    }
    observer.onNext(
        DeleteResponse.newBuilder().setObject(removed).setDeletedImmediately(true).build());
    observer.onCompleted();
  }

  @Override
  public void scale(ScaleRequest request, StreamObserver<Object> observer) {
    requests.add(request);
    Object existing = stored(request.getKind(), request.getNamespace(), request.getName());
    if (existing == null) {
      observer.onError(
          Status.NOT_FOUND
              .withDescription(
                  notFound(request.getKind(), request.getNamespace(), request.getName()))
              .asRuntimeException());
      return;
    }
    observer.onNext(existing);
    observer.onCompleted();
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<Object> observer) {
    requests.add(request);
    if (request.getRevision() == 99) {
      observer.onError(
          Status.FAILED_PRECONDITION
              .withDescription("deployment web has no revision 99")
              .asRuntimeException());
      return;
    }
    observer.onNext(stored(Kind.KIND_DEPLOYMENT, request.getNamespace(), request.getName()));
    observer.onCompleted();
  }

  @Override
  public void rolloutAction(RolloutActionRequest request, StreamObserver<Object> observer) {
    requests.add(request);
    observer.onNext(stored(Kind.KIND_DEPLOYMENT, request.getNamespace(), request.getName()));
    observer.onCompleted();
  }

  @Override
  public void nodeAction(NodeActionRequest request, StreamObserver<NodeActionResponse> observer) {
    requests.add(request);
    NodeActionResponse.Builder response = NodeActionResponse.newBuilder();
    if (request.getAction() == NodeActionType.NODE_ACTION_TYPE_DRAIN) {
      NodeActionResponse next = drainAnswers.poll();
      if (next != null) {
        response.mergeFrom(next);
      } else {
        response
            .addEvictedPodsBuilder()
            .setKind(Kind.KIND_POD)
            .setNamespace("default")
            .setName("web-1");
      }
    }
    observer.onNext(response.build());
    observer.onCompleted();
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchEvent> observer) {
    requests.add(request);
    for (WatchEvent event : watchEvents) {
      observer.onNext(event);
    }
    observer.onCompleted();
  }

  @Override
  public void logs(LogsRequest request, StreamObserver<LogChunk> observer) {
    requests.add(request);
    if (failed(observer)) {
      return;
    }
    if (stored(Kind.KIND_POD, request.getNamespace(), request.getPod()) == null) {
      observer.onError(
          Status.NOT_FOUND
              .withDescription(notFound(Kind.KIND_POD, request.getNamespace(), request.getPod()))
              .asRuntimeException());
      return;
    }
    for (String line : logLines) {
      observer.onNext(LogChunk.newBuilder().setData(ByteString.copyFromUtf8(line + "\n")).build());
    }
    observer.onCompleted();
  }

  @Override
  public void clusterInfo(
      ClusterInfoRequest request, StreamObserver<ClusterInfoResponse> observer) {
    requests.add(request);
    if (failed(observer)) {
      return;
    }
    observer.onNext(
        ClusterInfoResponse.newBuilder()
            .setVersion("0.1.0-test")
            .setRevision(revision)
            .setAnsweredBy("m1")
            .addMasters(
                MasterInfo.newBuilder()
                    .setId("m1")
                    .setAddress("127.0.0.1:7070")
                    .setRole(MasterRole.MASTER_ROLE_LEADER)
                    .setActive(true))
            .build());
    observer.onCompleted();
  }

  /** A watch event of the given type. */
  public static WatchEvent event(WatchEventType type, Object object, long version) {
    return WatchEvent.newBuilder()
        .setType(type)
        .setObject(object)
        .setResourceVersion(version)
        .build();
  }
}
