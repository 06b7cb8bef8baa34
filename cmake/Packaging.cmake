# Installing Osteon as a Debian service: `cmake --install` rules and the CPack DEB package
# (tools/package.sh). The package holds the node, osteonctl and osteon-decode, the shipped models
# and routing profiles, /etc/osteon/osteon.toml (a conffile with the paths of an installed
# system), the systemd unit, man pages and docs. The bench, eval and phantom tools are not in it.
include(GNUInstallDirs)

find_program(OSTEON_HELP2MAN help2man REQUIRED)
find_program(OSTEON_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
find_program(OSTEON_GZIP gzip REQUIRED)

set(pkg ${PROJECT_BINARY_DIR}/package)
set(pkg_src ${PROJECT_SOURCE_DIR}/packaging)
string(TIMESTAMP osteon_package_date "%Y-%m-%d" UTC)
string(TIMESTAMP osteon_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)

# /etc/osteon/osteon.toml: the annotated osteon.toml with an installed system's paths.
add_custom_command(OUTPUT ${pkg}/etc/osteon.toml
  COMMAND ${CMAKE_COMMAND} -E make_directory ${pkg}/etc
  COMMAND ${OSTEON_PYTHON3} ${PROJECT_SOURCE_DIR}/tools/package/system_config.py
          ${PROJECT_SOURCE_DIR}/osteon.toml ${pkg}/etc/osteon.toml
  DEPENDS ${PROJECT_SOURCE_DIR}/osteon.toml ${PROJECT_SOURCE_DIR}/tools/package/system_config.py
  VERBATIM
  COMMENT "Package: /etc/osteon/osteon.toml")

# Man pages: osteon(8) and osteonctl(1) from their --help, osteon.toml(5) from the installed file.
set(osteon_man_pages)
foreach(page "osteon;8;DICOM node with AI built in (bone age, nasal-bone fracture, hip implant)"
             "osteonctl;1;inspect and operate an Osteon node (jobs, findings, deliveries, users, audit)"
             "osteon-decode;1;decode a DICOM image as Osteon's pipelines see it")
  list(GET page 0 name)
  list(GET page 1 section)
  list(GET page 2 summary)
  set(h2m)  # sections added to the --help text (FILES, SIGNALS, SEE ALSO), when the page has them
  if(EXISTS ${pkg_src}/man/${name}.h2m)
    set(h2m ${pkg_src}/man/${name}.h2m)
  endif()
  add_custom_command(OUTPUT ${pkg}/man/${name}.${section}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${pkg}/man
    COMMAND ${OSTEON_HELP2MAN} --no-info --no-discard-stderr --section=${section} --name=${summary}
            --version-string=${PROJECT_VERSION} --opt-include=${pkg_src}/man/${name}.h2m
            --output=${pkg}/man/${name}.${section} $<TARGET_FILE:${name}>
    COMMAND ${OSTEON_GZIP} -9nf ${pkg}/man/${name}.${section}
    DEPENDS ${name} ${h2m}
    VERBATIM
    COMMENT "Package: man page ${name}(${section})")
  list(APPEND osteon_man_pages ${pkg}/man/${name}.${section}.gz)
endforeach()
add_custom_command(OUTPUT ${pkg}/man/osteon.toml.5.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${pkg}/man
  COMMAND ${OSTEON_PYTHON3} ${PROJECT_SOURCE_DIR}/tools/package/config_man.py ${pkg}/etc/osteon.toml
          ${pkg}/man/osteon.toml.5 ${PROJECT_VERSION} ${osteon_package_date}
  COMMAND ${OSTEON_GZIP} -9nf ${pkg}/man/osteon.toml.5
  DEPENDS ${pkg}/etc/osteon.toml ${PROJECT_SOURCE_DIR}/tools/package/config_man.py
  VERBATIM
  COMMENT "Package: man page osteon.toml(5)")
list(APPEND osteon_man_pages ${pkg}/man/osteon.toml.5.gz)

# The Debian changelog (required in /usr/share/doc/<package>; changelog.gz: a native package).
file(READ ${pkg_src}/debian/changelog osteon_changelog)
string(REPLACE "@VERSION@" "${PROJECT_VERSION}" osteon_changelog "${osteon_changelog}")
string(REPLACE "@DATE@" "${osteon_changelog_date}" osteon_changelog "${osteon_changelog}")
file(WRITE ${pkg}/changelog "${osteon_changelog}")
add_custom_command(OUTPUT ${pkg}/changelog.gz
  COMMAND ${OSTEON_GZIP} -9nkf ${pkg}/changelog
  DEPENDS ${pkg_src}/debian/changelog
  VERBATIM
  COMMENT "Package: changelog.gz")

add_custom_target(osteon_package_files ALL
  DEPENDS ${pkg}/etc/osteon.toml ${osteon_man_pages} ${pkg}/changelog.gz)

# --- what is installed -------------------------------------------------------------------------
set(share ${CMAKE_INSTALL_DATADIR}/osteon)
set(doc ${CMAKE_INSTALL_DATADIR}/doc/osteon)
install(TARGETS osteon osteonctl osteon-decode RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${share}/models
  PATTERN "README.md" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dicom_profiles/ DESTINATION ${share}/dicom_profiles
  FILES_MATCHING PATTERN "*.toml")
install(FILES ${pkg}/etc/osteon.toml DESTINATION /etc/osteon)
install(FILES ${pkg_src}/etc-dicom_profiles-README DESTINATION /etc/osteon/dicom_profiles RENAME README)
install(FILES ${pkg_src}/osteon.service DESTINATION /lib/systemd/system)
install(FILES ${pkg}/man/osteon.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${pkg}/man/osteonctl.1.gz ${pkg}/man/osteon-decode.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${pkg}/man/osteon.toml.5.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${pkg_src}/debian/copyright ${pkg}/changelog.gz DESTINATION ${doc})
install(FILES ${PROJECT_SOURCE_DIR}/models/README.md DESTINATION ${doc}/models)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${doc}/models FILES_MATCHING PATTERN "MODEL_CARD.md")
install(FILES ${PROJECT_SOURCE_DIR}/dicom_profiles/README.md DESTINATION ${doc}/dicom_profiles)

# --- the Debian package ------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME osteon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Osteon maintainers <maintainers@osteon.example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DICOM node with AI built in (bone age, nasal fracture, hip implants)")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Osteon receives radiographs over DICOM (C-STORE), stores every image durably,
routes it by body part to a LibTorch pipeline (bone age; nasal-bone fracture
with an anomaly heatmap; hip implant identification) and sends a Structured
Report, a Secondary Capture and a presentation state back into the study.
The shipped models are trained on synthetic phantoms only: not for primary
diagnosis.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Besides the shared libraries (computed by dpkg-shlibdeps): the maintainer scripts' tools.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.52)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "dcmtk, orthanc")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${pkg_src}/debian/postinst ${pkg_src}/debian/prerm ${pkg_src}/debian/postrm ${pkg_src}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/package/deb)
set(CPACK_THREADS 0)
include(CPack)
