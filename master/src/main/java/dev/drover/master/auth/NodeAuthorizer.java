package dev.drover.master.auth;

import dev.drover.api.ApiObjects;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.ConfirmVolumeReclaimedRequest;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.LocalObjectReference;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.WatchRequest;
import dev.drover.master.auth.AuthorizationRequest.Verb;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.controller.TemplateHashing;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes' Node authorizer and NodeRestriction for Drover: what a node's agent may do, decided
 * from the node name of its {@link Principal} (never from a request field) and the cluster as the
 * watch cache holds it. A node may read the pods bound to it and the Secrets and ConfigMaps those
 * pods use, Services and Endpoints (for service proxies), its own Node and lease; it may write its
 * own Node (not its taints or restricted labels), its own lease and its own pods' status (no phase
 * going back from Succeeded or Failed), record events, confirm the end of its own pods and the
 * removal of the provisioned volumes that live on it. It never creates or deletes pods or changes a
 * spec.
 *
 * <p>The address a node registers for its agent service must be the address its call came from (or,
 * for a call over loopback, an address of the master's own host): the master then only ever
 * connects to the node that authenticated. In-process calls have no network address and are
 * trusted.
 */
public final class NodeAuthorizer {
  /** Label prefixes only a cluster admin sets on a node (Kubernetes' and Drover's). */
  public static final List<String> RESTRICTED_LABEL_PREFIXES =
      List.of("node-restriction.kubernetes.io/", "node-restriction.drover.dev/");

  /** Taints the node lifecycle controller owns; a node's own taints are the others. */
  private static final Set<String> CONTROLLER_TAINTS =
      Set.of(WellKnown.NOT_READY_TAINT, WellKnown.UNREACHABLE_TAINT);

  private final WatchCache cache;
  private final String leaseNamespace;

  /** Decides from {@code cache}; node heartbeat leases live in {@code leaseNamespace}. */
  public NodeAuthorizer(WatchCache cache, String leaseNamespace) {
    this.cache = cache;
    this.leaseNamespace = leaseNamespace;
  }

  /**
   * Why node {@code node} may not make {@code r} (carried by {@code message}, from {@code peer}),
   * or {@code null} when it may.
   */
  public String deny(
      String node, AuthorizationRequest r, java.lang.Object message, SocketAddress peer) {
    if (r.viaNodeService()) {
      if (!r.nodeName().isEmpty() && !r.nodeName().equals(node)) {
        return "the request names node " + r.nodeName();
      }
      return nodeService(node, message, peer);
    }
    return control(node, r, message, peer);
  }

  private String nodeService(String node, java.lang.Object message, SocketAddress peer) {
    if (message instanceof RegisterNodeRequest reg) {
      return register(node, reg.getNode(), peer);
    }
    if (message instanceof UpdatePodStatusesRequest req) {
      for (PodStatusUpdate u : req.getUpdatesList()) {
        Optional<Pod> pod = pod(u.getNamespace(), u.getName());
        if (pod.isPresent() && pod.get().getMetadata().getUid().equals(u.getUid())) {
          String bound = notBound(node, pod.get());
          if (bound != null) {
            return bound;
          }
        }
      }
      return null;
    }
    if (message instanceof ConfirmPodTerminationRequest req) {
      Optional<Pod> pod = pod(req.getNamespace(), req.getName());
      return pod.isPresent() ? notBound(node, pod.get()) : null;
    }
    if (message instanceof ConfirmVolumeReclaimedRequest req) {
      Optional<Object> pv = cache.get(Kind.KIND_PERSISTENT_VOLUME, "", req.getName());
      Map<String, String> labels =
          cache
              .get(Kind.KIND_NODE, "", node)
              .map(n -> n.getNode().getMetadata().getLabelsMap())
              .orElse(Map.of());
      return pv.isEmpty()
              || PersistentVolumes.reachableFrom(pv.get().getPersistentVolume(), node, labels)
          ? null
          : "PersistentVolume " + req.getName() + " does not live on it";
    }
    if (message instanceof GetPodDependenciesRequest req) {
      String ns = req.getNamespace().isEmpty() ? "default" : req.getNamespace();
      for (String s : req.getSecretNamesList()) {
        if (!usedByPodOn(node, ns, "secret/" + s)) {
          return "no pod bound to it uses Secret " + ns + "/" + s;
        }
      }
      for (String c : req.getConfigMapNamesList()) {
        if (!usedByPodOn(node, ns, "configmap/" + c)) {
          return "no pod bound to it uses ConfigMap " + ns + "/" + c;
        }
      }
      for (String c : req.getPersistentVolumeClaimNamesList()) {
        if (!usedByPodOn(node, ns, "persistentvolumeclaim/" + c)) {
          return "no pod bound to it uses PersistentVolumeClaim " + ns + "/" + c;
        }
      }
    }
    return null;
  }

  private String register(String node, Node in, SocketAddress peer) {
    String labels = restrictedLabels(in.getMetadata().getLabelsMap(), Map.of());
    if (labels != null) {
      return labels;
    }
    Optional<Object> current = cache.get(Kind.KIND_NODE, "", node);
    if (current.isPresent()
        && !ownTaints(current.get().getNode().getSpec().getTaintsList())
            .equals(ownTaints(in.getSpec().getTaintsList()))) {
      return "a node may not change its taints (a cluster admin does)";
    }
    if (in.getStatus().hasDaemonEndpoint()) {
      return addressProblem(in.getStatus().getDaemonEndpoint().getAddress(), peer);
    }
    return null;
  }

  private String control(
      String node, AuthorizationRequest r, java.lang.Object message, SocketAddress peer) {
    Kind kind = r.kind();
    boolean read = r.verb() == Verb.GET || r.verb() == Verb.LIST || r.verb() == Verb.WATCH;
    switch (kind) {
      case KIND_UNSPECIFIED:
        return read ? null : "not allowed";
      case KIND_SERVICE:
      case KIND_ENDPOINTS:
        return read ? null : "a node only reads Services and Endpoints";
      case KIND_EVENT:
        return r.verb() == Verb.CREATE ? null : "a node only records events";
      case KIND_LEASE:
        return (r.verb() == Verb.GET || r.verb() == Verb.CREATE || r.verb() == Verb.UPDATE)
                && r.namespace().equals(leaseNamespace)
                && r.name().equals(node)
            ? null
            : "a node only reads and renews its own lease";
      case KIND_NODE:
        return nodeWrite(node, r, message, peer);
      case KIND_POD:
        return podAccess(node, r, message);
      case KIND_SECRET:
      case KIND_CONFIG_MAP:
        if (r.verb() != Verb.GET) {
          return "a node only gets the Secrets and ConfigMaps of its pods, one by one";
        }
        String ref = (kind == Kind.KIND_SECRET ? "secret/" : "configmap/") + r.name();
        return usedByPodOn(node, r.namespace(), ref) ? null : "no pod bound to it uses it";
      default:
        return "a node may not touch " + r.resource();
    }
  }

  private String nodeWrite(
      String node, AuthorizationRequest r, java.lang.Object message, SocketAddress peer) {
    if (!r.name().equals(node)) {
      return "a node only touches its own Node";
    }
    if (r.verb() == Verb.GET) {
      return null;
    }
    Node written = writtenNode(message);
    if (written != null && written.getStatus().hasDaemonEndpoint()) {
      String address = addressProblem(written.getStatus().getDaemonEndpoint().getAddress(), peer);
      if (address != null) {
        return address;
      }
    }
    if (r.subresource().equals("status")) {
      return null;
    }
    if (r.verb() == Verb.CREATE && message instanceof dev.drover.api.v1.CreateRequest c) {
      return restrictedLabels(c.getObject().getNode().getMetadata().getLabelsMap(), Map.of());
    }
    if (r.verb() == Verb.UPDATE && message instanceof UpdateRequest u) {
      Node in = u.getObject().getNode();
      Optional<Object> current = cache.get(Kind.KIND_NODE, "", node);
      if (current.isEmpty()) {
        return null;
      }
      Node cur = current.get().getNode();
      if (!cur.getSpec().equals(in.getSpec())) {
        return "a node may not change its spec (taints, unschedulable, pod CIDR)";
      }
      return restrictedLabels(in.getMetadata().getLabelsMap(), cur.getMetadata().getLabelsMap());
    }
    return "a node may not " + r.verb().spelling() + " its Node";
  }

  private static Node writtenNode(java.lang.Object message) {
    if (message instanceof dev.drover.api.v1.CreateRequest c) {
      return c.getObject().getNode();
    }
    if (message instanceof UpdateRequest u) {
      return u.getObject().getNode();
    }
    return message instanceof UpdateStatusRequest s ? s.getObject().getNode() : null;
  }

  private String podAccess(String node, AuthorizationRequest r, java.lang.Object message) {
    switch (r.verb()) {
      case GET:
        return pod(r.namespace(), r.name()).map(p -> notBound(node, p)).orElse(null);
      case LIST:
      case WATCH:
        String selector =
            message instanceof ListRequest l
                ? l.getFieldSelector()
                : message instanceof WatchRequest w ? w.getFieldSelector() : "";
        return selector.replace(" ", "").equals("spec.nodeName=" + node)
            ? null
            : "a node lists and watches only its own pods (fieldSelector spec.nodeName="
                + node
                + ")";
      case UPDATE:
        if (!r.subresource().equals("status") || !(message instanceof UpdateStatusRequest u)) {
          return "a node may not change a pod's spec";
        }
        Optional<Pod> cur = pod(r.namespace(), r.name());
        if (cur.isEmpty()) {
          return null;
        }
        String bound = notBound(node, cur.get());
        if (bound != null) {
          return bound;
        }
        PodPhase to = u.getObject().getPod().getStatus().getPhase();
        return phaseGoesBack(cur.get().getStatus().getPhase(), to)
            ? "a pod's phase may not go from " + cur.get().getStatus().getPhase() + " to " + to
            : null;
      default:
        return "a node may not create or delete pods";
    }
  }

  private Optional<Pod> pod(String namespace, String name) {
    String ns = namespace.isEmpty() ? "default" : namespace;
    return cache.get(Kind.KIND_POD, ns, name).map(Object::getPod);
  }

  private static String notBound(String node, Pod pod) {
    String bound = pod.getSpec().getNodeName();
    return node.equals(bound)
        ? null
        : "pod "
            + pod.getMetadata().getNamespace()
            + "/"
            + pod.getMetadata().getName()
            + " is not bound to it";
  }

  /** Whether a pod bound to {@code node} in {@code ns} uses {@code ref} ("secret/NAME", ...). */
  private boolean usedByPodOn(String node, String ns, String ref) {
    return !cache
        .list(
            Kind.KIND_POD,
            o -> {
              Pod p = o.getPod();
              return node.equals(p.getSpec().getNodeName())
                  && ns.equals(ApiObjects.meta(o).getNamespace())
                  && references(p, ref);
            })
        .isEmpty();
  }

  private static boolean references(Pod pod, String ref) {
    if (TemplateHashing.configReferences(pod.getSpec()).contains(ref)) {
      return true;
    }
    for (LocalObjectReference pull : pod.getSpec().getImagePullSecretsList()) {
      if (ref.equals("secret/" + pull.getName())) {
        return true;
      }
    }
    for (Volume v : pod.getSpec().getVolumesList()) {
      if (v.hasPersistentVolumeClaim()
          && ref.equals("persistentvolumeclaim/" + v.getPersistentVolumeClaim().getClaimName())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a pod's phase would go backwards: from Succeeded or Failed to anything else (a pod that
   * ended never runs again).
   */
  public static boolean phaseGoesBack(PodPhase from, PodPhase to) {
    boolean ended = from == PodPhase.POD_PHASE_SUCCEEDED || from == PodPhase.POD_PHASE_FAILED;
    return ended && to != from;
  }

  /** The taints a node set itself: all but those the node lifecycle controller manages. */
  public static List<Taint> ownTaints(List<Taint> taints) {
    return taints.stream()
        .filter(t -> !CONTROLLER_TAINTS.contains(t.getKey()))
        .map(t -> t.toBuilder().clearTimeAdded().build())
        .toList();
  }

  /**
   * Why {@code labels} may not be written over {@code current}: a restricted label added, changed
   * or removed; {@code null} when none is.
   */
  public static String restrictedLabels(Map<String, String> labels, Map<String, String> current) {
    for (String key : union(labels.keySet(), current.keySet())) {
      if (restricted(key) && !java.util.Objects.equals(labels.get(key), current.get(key))) {
        return "a node may not set the restricted label " + key;
      }
    }
    return null;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static boolean restricted(String key) {
    return RESTRICTED_LABEL_PREFIXES.stream().anyMatch(key::startsWith);
  }

  /**
   * Why a node calling from {@code peer} may not advertise {@code advertised} for its agent
   * service, or {@code null} when it may: the address must be the one the call came from, or, over
   * loopback, one of this host's own addresses. A peer without a network address (an in-process
   * call) cannot be checked and is trusted.
   */
  public static String addressProblem(String advertised, SocketAddress peer) {
    if (advertised.isEmpty() || !(peer instanceof InetSocketAddress inet)) {
      return null;
    }
    InetAddress from = inet.getAddress();
    InetAddress claimed = literal(advertised);
    if (claimed == null) {
      return "the agent address " + advertised + " must be an IP address";
    }
    if (claimed.equals(from) || (from != null && from.isLoopbackAddress() && local(claimed))) {
      return null;
    }
    return "the agent address "
        + advertised
        + " is not the address the node connects from ("
        + (from == null ? inet.getHostString() : from.getHostAddress())
        + "); advertise that one";
  }

  // An IP literal, parsed without a name lookup; null for a host name.
  private static InetAddress literal(String text) {
    if (!text.matches("[0-9.]+") && !text.contains(":")) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static boolean local(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return true;
    }
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (Collections.list(nif.getInetAddresses()).contains(address)) {
          return true;
        }
      }
    } catch (SocketException e) {
      return false;
    }
    return false;
  }
}
