# Installation: libraries, the public headers, plinth.pc and a CMake package
# (find_package(plinth) gives plinth::plinth and plinth::plinth_static).
include(CMakePackageConfigHelpers)

install(TARGETS plinth plinth_static EXPORT plinthTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/plinth/plinth.h
              ${PROJECT_BINARY_DIR}/include/plinth/plinth_version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/plinth)
install(EXPORT plinthTargets NAMESPACE plinth::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/plinth)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/plinthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/plinthConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/plinth)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/plinthConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/plinthConfig.cmake
              ${PROJECT_BINARY_DIR}/plinthConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/plinth)
configure_file(${PROJECT_SOURCE_DIR}/cmake/plinth.pc.in
               ${PROJECT_BINARY_DIR}/plinth.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/plinth.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
