package dev.drover.master.security;

import dev.drover.client.tls.TrustManagers;
import dev.drover.master.auth.CertificateIdentity;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Who may take part in the masters' store traffic (Raft between members, requests to the leader): a
 * certificate of the cluster CA that names a master ({@code O=MASTER}), on both ends of the
 * connection. Anything else of the cluster CA, a node's or the admin's certificate, fails the
 * handshake, so an agent cannot read or write the store by connecting to its port.
 */
final class MasterPeerTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager ca;

  /** Trusts masters' certificates signed by {@code clusterCa}. */
  MasterPeerTrust(X509Certificate clusterCa) {
    this.ca = TrustManagers.forCas(List.of(clusterCa));
  }

  /** True when {@code certificate} names a master of this cluster's kind. */
  static boolean namesMaster(X509Certificate certificate) {
    Principal p = CertificateIdentity.principal(certificate);
    return p != null && p.role() == Role.MASTER;
  }

  private static void requireMaster(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0 || !namesMaster(chain[0])) {
      throw new CertificateException(
          "store peers must present a master certificate of the cluster CA, not "
              + (chain == null || chain.length == 0
                  ? "none"
                  : chain[0].getSubjectX500Principal().getName()));
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType);
    requireMaster(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType, socket);
    requireMaster(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType, engine);
    requireMaster(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType);
    requireMaster(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType, socket);
    requireMaster(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType, engine);
    requireMaster(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.getAcceptedIssuers();
  }
}
