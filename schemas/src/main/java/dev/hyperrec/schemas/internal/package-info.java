/** Implementation details of the schemas module; not API, may change without notice. */
package dev.hyperrec.schemas.internal;
