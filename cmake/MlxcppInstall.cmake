# `cmake --install` lays out include/mlx, include/mlxcpp, the libraries and
# lib/cmake/mlxcpp/ with the imported targets mlxcpp::core and mlxcpp::mlxcpp.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mlx ${PROJECT_SOURCE_DIR}/include/mlxcpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS mlxcpp_core mlxcpp_stack mlxcpp_openblas EXPORT mlxcppTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT mlxcppTargets NAMESPACE mlxcpp:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mlxcpp)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mlxcppConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/mlxcppConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mlxcpp)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mlxcppConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mlxcppConfig.cmake ${PROJECT_BINARY_DIR}/mlxcppConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mlxcpp)
