package dev.drover.master.auth;

import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * How a certificate names its holder: the subject's CN is the principal's name ({@code
 * node:<name>}, {@code master:<id>}, {@code admin}), O its {@link Role} and an optional OU the
 * namespace a namespaced role is limited to. The cluster CA writes subjects this way and only
 * certificates it signed reach this code, so the subject can be trusted.
 */
public final class CertificateIdentity {
  private CertificateIdentity() {}

  /** The subject distinguished name for {@code principal}. */
  public static String subject(Principal principal) {
    StringBuilder dn = new StringBuilder();
    if (principal.namespace() != null && !principal.namespace().isEmpty()) {
      dn.append("OU=").append(Rdn.escapeValue(principal.namespace())).append(',');
    }
    dn.append("O=").append(principal.role().name()).append(',');
    dn.append("CN=").append(Rdn.escapeValue(principal.name()));
    return dn.toString();
  }

  /** The principal a verified certificate names, or null when its subject names none. */
  public static Principal principal(X509Certificate certificate) {
    String cn = null;
    String o = null;
    String ou = null;
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        String value = String.valueOf(rdn.getValue());
        switch (rdn.getType().toUpperCase(Locale.ROOT)) {
          case "CN" -> cn = value;
          case "O" -> o = value;
          case "OU" -> ou = value;
          default -> {
            // Other attributes do not take part in the identity.
          }
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    if (cn == null || cn.isEmpty() || o == null) {
      return null;
    }
    Role role;
    try {
      role = Role.valueOf(o);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (role == Role.NODE) {
      // A node's name is the certificate's, and nothing in a request can change it.
      return cn.startsWith(Principal.NODE_PREFIX) && cn.length() > Principal.NODE_PREFIX.length()
          ? Principal.node(cn.substring(Principal.NODE_PREFIX.length()))
          : null;
    }
    return new Principal(cn, role, ou);
  }
}
